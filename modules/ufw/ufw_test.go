package ufw

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestInsertPositionLikeAnsible(t *testing.T) {
	pos, ok := insertPosition(3, "zero", 0, 0)
	assert.Equal(t, 3, pos)
	assert.True(t, ok)
	// Four IPv4 rules (1-4) and two IPv6 rules (5-6).
	for _, c := range []struct {
		rel      string
		insert   int
		want     int
		inserted bool
	}{
		{"first-ipv4", 0, 1, true}, {"last-ipv4", 0, 4, true}, {"first-ipv6", 0, 5, true},
		{"last-ipv6", 0, 6, true}, {"last-ipv6", 1, 7, false}, {"first-ipv4", -1, 0, true},
	} {
		pos, ok := insertPosition(c.insert, c.rel, 4, 2)
		assert.Equal(t, c.want, pos, c.rel)
		assert.Equal(t, c.inserted, ok, c.rel)
	}
	pos, _ = insertPosition(0, "first-ipv6", 0, 2)
	assert.Equal(t, 1, pos, "no IPv4 rule: IPv6 rules start at 1")
}

func TestDryRunComparison(t *testing.T) {
	pre := "### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n### tuple ### allow tcp 22 ::/0 any ::/0 in\n"
	dryV4 := "*filter\n### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input ...\n"
	assert.False(t, dryRunChanges(dryV4, pre, "10.0.0.1", "any"), "an IPv4 rule compares IPv4 tuples only")
	assert.True(t, dryRunChanges(dryV4+"### tuple ### deny any any 0.0.0.0/0 any 10.0.0.1 in\n", pre, "10.0.0.1", "any"))
	assert.False(t, dryRunChanges(pre, pre, "any", "any"))
	assert.True(t, dryRunChanges("### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n", pre, "any", "any"))
	assert.False(t, dryRunChanges("Skipping adding existing rule\nSkipping adding existing rule (v6)\n", pre, "any", "any"))
}
