//go:build tools

// Package tools pins the grafana-operator command this module builds (its main
// package is the module root).
package tools

import _ "github.com/grafana/grafana-operator/v5"
