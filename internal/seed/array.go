package seed

import "github.com/lib/pq"

func stringArray(s []string) pq.StringArray { return pq.StringArray(s) }
