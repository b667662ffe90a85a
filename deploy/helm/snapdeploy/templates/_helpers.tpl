{{- define "snapdeploy.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "snapdeploy.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "snapdeploy.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "snapdeploy.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "snapdeploy.selector" -}}
app.kubernetes.io/name: {{ include "snapdeploy.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "snapdeploy.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "snapdeploy.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "snapdeploy.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ required "image.tag is required" .Values.image.tag }}
{{- end -}}
{{- end -}}

{{/* Jobs on a queue: the API replicas only answer; a worker Deployment runs the jobs. */}}
{{- define "snapdeploy.separateWorker" -}}
{{- if and (eq .Values.store "aws") .Values.aws.jobQueueUrl -}}true{{- end -}}
{{- end -}}

{{- define "snapdeploy.validate" -}}
{{- if not (has .Values.store (list "embedded" "aws")) -}}
{{- fail (printf "store must be embedded or aws, not %q" .Values.store) -}}
{{- end -}}
{{- if and (eq .Values.store "embedded") .Values.autoscaling.enabled -}}
{{- fail "store: embedded keeps the registry in one SQLite file on one volume: it runs exactly one replica, so autoscaling must stay off (use store: aws to scale)" -}}
{{- end -}}
{{- if not (has .Values.auth.mode (list "tokens" "oidc")) -}}
{{- fail (printf "auth.mode must be tokens or oidc, not %q" .Values.auth.mode) -}}
{{- end -}}
{{- if and (eq .Values.auth.mode "oidc") (or (not .Values.auth.oidc.issuer) (not .Values.auth.oidc.clientId)) -}}
{{- fail "auth.mode: oidc needs auth.oidc.issuer and auth.oidc.clientId" -}}
{{- end -}}
{{- end -}}

{{/* The pod's security settings, shared by the API and the worker. */}}
{{- define "snapdeploy.podSecurity" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  fsGroup: 10001
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{- define "snapdeploy.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  capabilities:
    drop: ["ALL"]
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{- define "snapdeploy.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "snapdeploy.fullname" . }}
  {{- with .Values.existingSecret }}
  - secretRef:
      name: {{ . }}
  {{- end }}
{{- end -}}

{{/* The pod template's metadata: the config checksum (a settings change rolls the pods) and labels. */}}
{{- define "snapdeploy.podMetadata" -}}
metadata:
  annotations:
    checksum/config: {{ include (print .root.Template.BasePath "/configmap.yaml") .root | sha256sum }}
    {{- with .root.Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  labels:
    {{- include "snapdeploy.labels" .root | nindent 4 }}
    {{- include "snapdeploy.selector" . | nindent 4 }}
    {{- with .root.Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end -}}

{{/* What the API and the worker pods share: identity, security, and where they run. */}}
{{- define "snapdeploy.podCommon" -}}
serviceAccountName: {{ include "snapdeploy.serviceAccountName" . }}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{ include "snapdeploy.podSecurity" . }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
