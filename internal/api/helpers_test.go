package api_test

import "github.com/jardam-kg/jardam/internal/platform/config"

type configT = config.Config
