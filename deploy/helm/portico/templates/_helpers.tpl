{{/* Chart name, truncated to the 63 characters Kubernetes allows in names. */}}
{{- define "portico.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-scoped base name of every object. */}}
{{- define "portico.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "portico.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "portico.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component: call with (dict "root" $ "component" "data-plane"). */}}
{{- define "portico.selectorLabels" -}}
app.kubernetes.io/name: {{ include "portico.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "portico.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{- define "portico.secretName" -}}
{{- .Values.admin.existingSecret | default (printf "%s-admin" (include "portico.fullname" .)) -}}
{{- end -}}

{{/*
config.yaml of one role, in APISIX's shape: call with (dict "root" $ "role" "data_plane").
Secrets are not in it: APISIX's ${{VAR}} substitution reads them from the pod's environment,
which takes them from Secrets.
*/}}
{{- define "portico.config" -}}
{{- $v := .root.Values -}}
{{- $etcd := dict "host" $v.etcd.hosts "prefix" $v.etcd.prefix "timeout" $v.etcd.timeout -}}
{{- if $v.etcd.user -}}
{{- $_ := set $etcd "user" $v.etcd.user -}}
{{- $_ := set $etcd "password" "${{PORTICO_ETCD_PASSWORD}}" -}}
{{- end -}}
{{- $deployment := dict "role" .role "etcd" $etcd -}}
{{- if eq .role "control_plane" -}}
{{- $keys := list (dict "name" "admin" "key" "${{PORTICO_ADMIN_KEY}}" "role" "admin") -}}
{{- if $v.admin.viewerKey -}}
{{- $keys = append $keys (dict "name" "viewer" "key" "${{PORTICO_VIEWER_KEY}}" "role" "viewer") -}}
{{- end -}}
{{- $_ := set $deployment "admin" (dict "admin_key" $keys "allow_admin" $v.admin.allowAdmin "admin_listen" (dict "ip" "0.0.0.0" "port" (int $v.admin.port))) -}}
{{- end -}}
{{- $conf := dict
  "apisix" (dict
    "node_listen" (list (int $v.dataPlane.port))
    "status" (dict "ip" "0.0.0.0" "port" (int $v.dataPlane.status.port)))
  "nginx_config" (dict
    "worker_processes" $v.dataPlane.workerProcesses
    "worker_shutdown_timeout" (printf "%ds" (int $v.dataPlane.shutdownTimeoutSeconds))
    "http" (dict "access_log" $v.accessLog))
  "deployment" $deployment -}}
{{- if and (eq .role "data_plane") $v.metrics.enabled -}}
{{- $_ := set $conf "plugin_attr" (dict "prometheus" (dict "export_addr" (dict "ip" "0.0.0.0" "port" (int $v.metrics.port)) "export_uri" $v.metrics.path)) -}}
{{- end -}}
{{- toYaml (mergeOverwrite $conf (deepCopy $v.extraConfig)) -}}
{{- end -}}

{{/* Pod and container security settings shared by both Deployments. */}}
{{- define "portico.podSecurity" -}}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
