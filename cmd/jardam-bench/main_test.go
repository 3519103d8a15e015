package main

import (
	"testing"
	"time"
)

func TestPercentile_NearestRank(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, n := range v {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, c := range []struct {
		name string
		in   []time.Duration
		p    float64
		want float64
	}{
		{"EmptyIsZero", nil, .5, 0},
		{"OneSample", ms(7), .99, 7},
		{"MedianOfFour", ms(1, 2, 3, 4), .5, 2},
		{"P95OfHundred", ms(hundred...), .95, 95},
		{"P99OfHundred", ms(hundred...), .99, 99},
		{"P100IsMax", ms(hundred...), 1, 100},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := percentile(c.in, c.p); got != c.want {
				t.Errorf("percentile(%v) = %v, want %v", c.p, got, c.want)
			}
		})
	}
}

func TestWithUser_ReplacesUserAndDatabaseKeepsOptions(t *testing.T) {
	got, err := withUser("postgres://postgres:secret@127.0.0.1:54390/postgres?sslmode=disable", "jardam_app", "jardam_bench")
	if err != nil {
		t.Fatal(err)
	}
	if want := "postgres://jardam_app@127.0.0.1:54390/jardam_bench?sslmode=disable"; got != want {
		t.Errorf("withUser = %s, want %s", got, want)
	}
}
