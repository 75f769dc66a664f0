// Package keepalived provides keepalived_vrrp, which renders, tests,
// installs and reloads keepalived.conf for VRRP virtual addresses, and
// keepalived_info, which reports the addresses a member holds so a play
// can check cluster-wide that each VIP has exactly one holder.
//
// Files: model.go (arguments to a checked model), render.go (the
// deterministic keepalived.conf), service.go (the unit, reload and its
// proof), vrrp.go (keepalived_vrrp), info.go (keepalived_info).
package keepalived
