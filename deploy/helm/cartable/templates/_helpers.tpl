{{- define "cartable.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cartable.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "cartable.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "cartable.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "cartable.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cartable.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cartable.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "cartable.secretName" -}}
{{- .Values.secrets.existingSecret | default (include "cartable.fullname" .) -}}
{{- end -}}

{{/* The environment every cartable container gets: the settings and the secrets. */}}
{{- define "cartable.env" -}}
- name: CARTABLE_DATA
  value: /data
- name: CARTABLE_LOG_FORMAT
  value: json
- name: CARTABLE_BASE_URL
  value: {{ .Values.baseURL | quote }}
- name: CARTABLE_TRUSTED_PROXIES
  value: {{ .Values.trustedProxies | quote }}
- name: CARTABLE_DB
  valueFrom:
    secretKeyRef: {name: {{ include "cartable.secretName" . }}, key: CARTABLE_DB}
- name: CARTABLE_KEYS
  valueFrom:
    secretKeyRef: {name: {{ include "cartable.secretName" . }}, key: CARTABLE_KEYS}
{{- range $k, $v := .Values.extraEnv }}
- name: {{ $k }}
  value: {{ $v | quote }}
{{- end }}
{{- end -}}

{{/* The volumes every cartable pod mounts: /data and /tmp (the root filesystem is read-only). */}}
{{- define "cartable.volumes" -}}
- name: data
{{- if .Values.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ .Values.persistence.existingClaim | default (include "cartable.fullname" .) }}
{{- else }}
  emptyDir: {}
{{- end }}
- name: tmp
  emptyDir: {}
{{- end -}}

{{- define "cartable.volumeMounts" -}}
- name: data
  mountPath: /data
- name: tmp
  mountPath: /tmp
{{- end -}}
