//! Promotion rules: managed per (source account, target account) pair, applied to a
//! deploy's source configuration before it is planned.

use super::Engine;
use crate::error::{AwsError, AwsResult};
use crate::provider::Captured;
use snapdeploy_core::{
    apply_rules, AccountId, AuditAction, AuditEntry, AuditOutcome, Plan, PromotionRules, RuleError,
    RuleSet, ServiceKind, SnapshotEnvelope,
};

impl Engine {
    /// A service document's top-level fields: what a `keep_target` path can start with.
    pub fn document_fields(&self, service: ServiceKind) -> &'static [&'static str] {
        self.provider(service)
            .map(|p| p.document_fields())
            .unwrap_or_default()
    }

    /// Checks a pair's rules without storing them: `Err(Ok(_))` names the bad rule,
    /// `Err(Err(_))` an account that is not registered.
    pub async fn check_rules(
        &self,
        source: &AccountId,
        target: &AccountId,
        rules: &PromotionRules,
    ) -> AwsResult<Result<(), RuleError>> {
        self.account(source).await?;
        self.account(target).await?;
        Ok(rules.validate(|s| self.document_fields(s)))
    }

    /// Sets (replaces) a pair's rules, recording who did on the target account. The rules
    /// must have passed `check_rules`.
    pub async fn set_rules(
        &self,
        source: &AccountId,
        target: &AccountId,
        rules: PromotionRules,
        actor: &str,
    ) -> AwsResult<RuleSet> {
        let set = RuleSet {
            source_account_id: source.clone(),
            target_account_id: target.clone(),
            substitutions: rules.substitutions,
            keep_target: rules.keep_target,
            updated_at: chrono::Utc::now(),
            updated_by: actor.into(),
        };
        self.rules.put_rules(&set).await?;
        self.record_rules(AuditAction::RulesSet, source, target, actor)
            .await;
        Ok(set)
    }

    pub async fn remove_rules(
        &self,
        source: &AccountId,
        target: &AccountId,
        actor: &str,
    ) -> AwsResult<()> {
        self.rules.delete_rules(source, target).await?;
        self.record_rules(AuditAction::RulesRemoved, source, target, actor)
            .await;
        Ok(())
    }

    pub async fn rules_of(&self, source: &AccountId, target: &AccountId) -> AwsResult<RuleSet> {
        self.rules.get_rules(source, target).await?.ok_or_else(|| {
            AwsError::NotFound(format!(
                "there are no promotion rules from account {source} to account {target}"
            ))
        })
    }

    pub async fn all_rules(&self) -> AwsResult<Vec<RuleSet>> {
        Ok(self.rules.list_rules().await?)
    }

    async fn record_rules(
        &self,
        action: AuditAction,
        source: &AccountId,
        target: &AccountId,
        actor: &str,
    ) {
        let mut entry = AuditEntry::new(actor, action, target, AuditOutcome::Succeeded);
        entry.resource_name = Some(format!("promotion rules from account {source}"));
        self.record(entry).await;
    }

    /// The deploy's source as the pair's rules make it (a copy; the stored snapshot is
    /// untouched), with what they did recorded in `plan_notes` for the plan. No rules: the
    /// source as it is.
    pub(super) async fn ruled_source(
        &self,
        source: &SnapshotEnvelope,
        target: &AccountId,
        live: Option<&Captured>,
    ) -> AwsResult<(Option<SnapshotEnvelope>, RuleNotes)> {
        let Some(set) = self.rules.get_rules(&source.account_id, target).await? else {
            return Ok((None, RuleNotes::default()));
        };
        let mut ruled = source.clone();
        let (substitutions, kept) = apply_rules(
            &mut ruled.config,
            live.map(|c| &c.config),
            source.service,
            &set.rules(),
        );
        Ok((
            Some(ruled),
            RuleNotes {
                substitutions,
                kept,
            },
        ))
    }
}

/// What a pair's rules did to a deploy's source, for its plan.
#[derive(Default)]
pub(super) struct RuleNotes {
    substitutions: Vec<snapdeploy_core::Substituted>,
    kept: Vec<snapdeploy_core::Kept>,
}

impl RuleNotes {
    /// The paths the rules rewrote or kept.
    pub(super) fn paths(&self) -> std::collections::BTreeSet<String> {
        self.substitutions
            .iter()
            .map(|s| s.path.clone())
            .chain(self.kept.iter().map(|k| k.path.clone()))
            .collect()
    }

    pub(super) fn into_plan(self, plan: &mut Plan) {
        plan.substitutions = self.substitutions;
        plan.kept = self.kept;
    }
}
