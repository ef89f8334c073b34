// Wrapper module, never built: pins the Prometheus Operator release whose CRDs
// (example/prometheus-operator-crd/ in the module zip) the chart tests install and validate
// against. Read them with `go mod download -json github.com/prometheus-operator/prometheus-operator`.
module smpo.local/tools/prometheus-operator

go 1.26.0

require github.com/prometheus-operator/prometheus-operator v0.85.0
