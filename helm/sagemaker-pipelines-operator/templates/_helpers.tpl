{{/* Names, labels and derived settings shared by every template. */}}

{{- define "smpo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "smpo.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "smpo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "smpo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "smpo.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "smpo.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: sagemaker-pipelines-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "smpo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "smpo.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "smpo.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/*
Watched namespaces as a JSON list: the configured ones, or the release namespace in installScope
Namespace. An empty list means cluster-wide.
*/}}
{{- define "smpo.watchNamespaces" -}}
{{- if .Values.operator.namespaces -}}
{{- toJson (uniq .Values.operator.namespaces) -}}
{{- else if eq .Values.installScope "Namespace" -}}
{{- toJson (list .Release.Namespace) -}}
{{- else -}}
{{- toJson (list) -}}
{{- end -}}
{{- end -}}

{{- define "smpo.peeringName" -}}
{{- default (include "smpo.fullname" .) .Values.operator.peering.name -}}
{{- end -}}

{{/* RBAC rules on our own kinds, the same in a ClusterRole and in a namespaced Role. */}}
{{- define "smpo.namespacedRules" -}}
- apiGroups: [sagemaker.pipelines.dev]
  resources: [pipelines, pipelineschedules, pipelinetriggers]
  verbs: [get, list, watch, patch, update]
- apiGroups: [sagemaker.pipelines.dev]
  # Schedules, triggers and runOnChange create runs; ttlSecondsAfterFinished deletes them.
  resources: [pipelineruns]
  verbs: [get, list, watch, patch, update, create, delete]
- apiGroups: [sagemaker.pipelines.dev]
  resources: [pipelines/status, pipelineruns/status, pipelineschedules/status, pipelinetriggers/status]
  verbs: [get, patch, update]
- apiGroups: [sagemaker.pipelines.dev]
  # Owner references with blockOwnerDeletion (runs owned by schedules and triggers) need this.
  resources:
    - pipelines/finalizers
    - pipelineruns/finalizers
    - pipelineschedules/finalizers
    - pipelinetriggers/finalizers
  verbs: [update, patch]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
- apiGroups: [""]
  # spec.definition.configMapRef
  resources: [configmaps]
  verbs: [get, list, watch]
- apiGroups: [""]
  # PipelineTrigger spec.source.alertmanager.tokenSecretRef (read when a webhook call arrives)
  resources: [secrets]
  verbs: [get]
{{- end -}}


{{/* The webhook's port name: https-webhook when it serves TLS, so meshes and readers know. */}}
{{- define "smpo.webhookPortName" -}}
{{- if .Values.operator.webhookTls.secretName -}}https-webhook{{- else -}}http-webhook{{- end -}}
{{- end -}}
