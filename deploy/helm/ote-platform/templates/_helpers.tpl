{{/* The release's full name, at most 63 characters (a DNS label). */}}
{{- define "ote-platform.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "ote-platform.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "ote-platform.labels" -}}
{{ include "ote-platform.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "ote-platform.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "ote-platform.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "ote-platform.image" -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}

{{/* A secretKeyRef env entry: name, secret, key. The secret name is required. */}}
{{- define "ote-platform.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ required (printf "%s: name the existing Secret that holds %s" .path .name) .secret }}
      key: {{ .key }}
{{- end -}}

{{- define "ote-platform.databaseEnv" -}}
{{ include "ote-platform.secretEnv" (dict "name" "DATABASE_URL" "path" "database.existingSecret" "secret" .Values.database.existingSecret "key" .Values.database.urlKey) }}
{{- end -}}

{{/* The environment of the API and worker processes; the role is added by each Deployment. */}}
{{- define "ote-platform.env" -}}
{{ include "ote-platform.databaseEnv" . }}
{{ include "ote-platform.secretEnv" (dict "name" "REDIS_URL" "path" "redis.existingSecret" "secret" .Values.redis.existingSecret "key" .Values.redis.urlKey) }}
{{ include "ote-platform.secretEnv" (dict "name" "JWT_SECRET" "path" "secrets.existingSecret" "secret" .Values.secrets.existingSecret "key" .Values.secrets.jwtSecretKey) }}
{{ include "ote-platform.secretEnv" (dict "name" "ENCRYPTION_KEY" "path" "secrets.existingSecret" "secret" .Values.secrets.existingSecret "key" .Values.secrets.encryptionKeyKey) }}
{{ include "ote-platform.secretEnv" (dict "name" "ADMIN_PASSWORD" "path" "secrets.existingSecret" "secret" .Values.secrets.existingSecret "key" .Values.secrets.adminPasswordKey) }}
- name: REDIS_PREFIX
  value: {{ .Values.redis.prefix | quote }}
- name: MIGRATE_ON_START
  value: {{ not .Values.migrations.enabled | quote }}
- name: HOME
  value: /tmp
{{- range $name, $value := .Values.config }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Pod-level settings shared by every pod of the chart. */}}
{{- define "ote-platform.podCommon" -}}
automountServiceAccountToken: {{ .Values.automountServiceAccountToken }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end -}}

{{- define "ote-platform.podMetadata" -}}
labels:
  {{- include "ote-platform.selectorLabels" .root | nindent 2 }}
  app.kubernetes.io/component: {{ .component }}
  {{- with .root.Values.podLabels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- with .root.Values.podAnnotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
