package playbook

import "slices"

// inherit returns the effective options of a scope whose own keywords are
// own, nested in a scope whose effective options are outer: a nearer
// scope overrides scalars, tags are the union, conditions and environments
// accumulate from the outermost scope inwards.
func inherit(outer, own Options) Options {
	r := outer
	setAny(&r.Become, own.Become)
	setStr(&r.BecomeUser, own.BecomeUser)
	setStr(&r.BecomeMethod, own.BecomeMethod)
	setStr(&r.BecomeFlags, own.BecomeFlags)
	setStr(&r.BecomeExe, own.BecomeExe)
	setStr(&r.RemoteUser, own.RemoteUser)
	setStr(&r.Connection, own.Connection)
	setAny(&r.Port, own.Port)
	setAny(&r.IgnoreErrors, own.IgnoreErrors)
	setAny(&r.IgnoreUnreachable, own.IgnoreUnreachable)
	setAny(&r.CheckMode, own.CheckMode)
	setAny(&r.Diff, own.Diff)
	setAny(&r.NoLog, own.NoLog)
	setAny(&r.AnyErrorsFatal, own.AnyErrorsFatal)
	setAny(&r.RunOnce, own.RunOnce)
	setStr(&r.DelegateTo, own.DelegateTo)
	setAny(&r.DelegateFacts, own.DelegateFacts)
	if own.Throttle != 0 {
		r.Throttle = own.Throttle
	}
	if own.Timeout != 0 {
		r.Timeout = own.Timeout
	}
	r.Environment = concat(outer.Environment, own.Environment)
	r.When = concat(outer.When, own.When)
	r.Tags = unionTags(outer.Tags, own.Tags)
	return r
}

// withoutConds drops conditions and tags, which a dynamic include does
// not pass on to the tasks it includes.
func withoutConds(o Options) Options {
	o.When = nil
	o.Tags = nil
	return o
}

func setAny(dst *any, v any) {
	if v != nil {
		*dst = v
	}
}

func setStr(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// concat joins two slices into a new one (never sharing a backing array
// with either, so that sibling scopes cannot overwrite each other).
func concat[T any](a, b []T) []T {
	if len(a)+len(b) == 0 {
		return nil
	}
	return slices.Concat(a, b)
}

// unionTags returns the tags of a and b without duplicates, in order.
func unionTags(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	out := make([]string, 0, len(a)+len(b))
	for _, t := range slices.Concat(a, b) {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// mergeVars returns outer overlaid with inner (inner wins), or whichever
// is non-nil.
func mergeVars(outer, inner map[string]any) map[string]any {
	if len(outer) == 0 {
		return inner
	}
	out := make(map[string]any, len(outer)+len(inner))
	for k, v := range outer {
		out[k] = v
	}
	for k, v := range inner {
		out[k] = v
	}
	return out
}
