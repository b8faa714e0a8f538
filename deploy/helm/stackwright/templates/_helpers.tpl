{{/* Release-scoped name: the release name when it already says stackwright. */}}
{{- define "stackwright.fullname" -}}
{{- if contains "stackwright" .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-stackwright" .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The mode, checked: one of the three commands. */}}
{{- define "stackwright.mode" -}}
{{- $m := .Values.mode -}}
{{- if not (has $m (list "all-in-one" "control-plane" "agent")) -}}
{{- fail (printf "mode must be all-in-one, control-plane or agent (got %q)" $m) -}}
{{- end -}}
{{- $m -}}
{{- end -}}

{{- define "stackwright.command" -}}
{{- $m := include "stackwright.mode" . -}}
{{- if eq $m "all-in-one" }}operator{{ else }}{{ $m }}{{ end -}}
{{- end -}}

{{/* What the mode runs. */}}
{{- define "stackwright.hasWatcher" -}}{{- if ne (include "stackwright.mode" .) "control-plane" }}true{{ end -}}{{- end -}}
{{- define "stackwright.hasGrafana" -}}{{- if ne (include "stackwright.mode" .) "agent" }}true{{ end -}}{{- end -}}
{{- define "stackwright.hasWorkflows" -}}{{- if ne (include "stackwright.mode" .) "agent" }}true{{ end -}}{{- end -}}

{{- define "stackwright.labels" -}}
app.kubernetes.io/name: stackwright
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: {{ include "stackwright.mode" . }}
app.kubernetes.io/part-of: stackwright
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "stackwright.selectorLabels" -}}
app.kubernetes.io/name: stackwright
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: {{ include "stackwright.mode" . }}
{{- end -}}
