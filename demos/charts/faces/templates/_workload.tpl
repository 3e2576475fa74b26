{{- /*
faces.workload renders a Deployment and its Service for one part of Faces.
Arguments: .root (the chart's context), .name (Service and Deployment name),
.image (image name), .part (the FACES_SERVICE it plays), .values (its values),
.env (extra environment, a list of name/value maps).
*/ -}}
{{- define "faces.workload" -}}
{{- $tag := .root.Values.image.tag | default .root.Chart.AppVersion -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ .name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    app.kubernetes.io/name: faces
    app.kubernetes.io/component: {{ .name }}
    {{- with .values.serviceLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  type: {{ .serviceType | default "ClusterIP" }}
  selector:
    app.kubernetes.io/name: faces
    app.kubernetes.io/component: {{ .name }}
  ports:
  - name: http
    port: 80
    targetPort: http
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    app.kubernetes.io/name: faces
    app.kubernetes.io/component: {{ .name }}
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: faces
      app.kubernetes.io/component: {{ .name }}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: faces
        app.kubernetes.io/component: {{ .name }}
    spec:
      containers:
      - name: {{ .part }}
        image: {{ printf "%s/%s:%s" .root.Values.image.registry .image $tag }}
        imagePullPolicy: {{ .root.Values.image.pullPolicy }}
        ports:
        - name: http
          containerPort: 8000
        env:
        - name: FACES_SERVICE
          value: {{ .part | quote }}
        {{- range .env }}
        - name: {{ .name }}
          value: {{ .value | quote }}
        {{- end }}
        readinessProbe:
          httpGet:
            path: /ready
            port: http
        resources:
          requests:
            cpu: 50m
            memory: 32Mi
          limits:
            cpu: 250m
            memory: 128Mi
{{- end -}}
