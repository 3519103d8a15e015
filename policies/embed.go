// Package policies holds Jardam's casbin model and role policy, reviewed
// files embedded in the binary. They speak of resource kinds and actions,
// never of URL paths.
package policies

import _ "embed"

// Model is the casbin model (role, resource, action).
//
//go:embed model.conf
var Model string

// Policy lists what each role may do.
//
//go:embed policy.csv
var Policy string
