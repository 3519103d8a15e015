package api_test

import (
	"testing"

	"github.com/jardam-kg/jardam/internal/platform/config"
)

type configT = config.Config

// step is one named check on a fixture of type W that several checks
// share.
type step[W any] struct {
	name string
	run  func(W, *testing.T)
}

// runSteps runs steps on w in order, each as a subtest.
func runSteps[W any](t *testing.T, w W, steps []step[W]) {
	t.Helper()
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) { s.run(w, t) })
	}
}
