// Types generated from the backend's /openapi.json (npm run gen:api); only aliases here.
import type { components } from './schema';

type S = components['schemas'];
export type AccountView = S['AccountView'];
export type NewAccount = S['NewAccount'];
export type SnapshotMeta = S['SnapshotMeta'];
export type Plan = S['Plan'];
export type Report = S['Report'];
export type FieldChange = S['FieldChange'];
export type DeployBody = S['DeployBody'];
export type RollbackBody = S['RollbackBody'];
export type JobView = S['JobView'];
export type JobAccepted = S['JobAccepted'];
export type ProgressEvent = S['ProgressEvent'];
export type Health = S['Health'];
export type DiffResponse = S['DiffResponse'];
export type ServiceKind = S['ServiceKind'];
export type AuditEntry = S['AuditEntry'];
export type AuditOutcome = S['AuditOutcome'];
export type SnapshotBody = S['SnapshotBody'];
export type DeployOptions = S['DeployOptions'];
export type PromotionRules = S['PromotionRules'];
export type RuleSet = S['RuleSet'];
export type Release = S['Release'];
export type ReleaseOutcome = S['ReleaseOutcome'];
export type Substitution = S['Substitution'];
export type ChangeRequest = S['ChangeRequest'];
export type ChangeRequested = S['ChangeRequested'];
export type ChangeState = S['ChangeState'];
export type Approved = S['Approved'];
export type Me = S['Me'];
export type Role = S['Role'];
export type TokenView = S['TokenView'];
export type CreatedToken = S['CreatedToken'];
/** An AWS region the server accepts (the document lists them). */
export type Region = S['SnapshotBody']['region'];

/** Free-form JSON the schema types as an open object. */
export type Json = Record<string, unknown>;
