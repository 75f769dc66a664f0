package template

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	mrand "math/rand/v2"
	"regexp"
	"strconv"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// miscFilters are random choice and human-readable sizes.
func miscFilters() map[string]exec.FilterFunction {
	return map[string]exec.FilterFunction{
		"random":         plainFilter("random", filterRandom),
		"shuffle":        plainFilter("shuffle", filterShuffle),
		"human_readable": plainFilter("human_readable", filterHumanReadable),
		"human_to_bytes": plainFilter("human_to_bytes", filterHumanToBytes),
	}
}

// newRand returns a generator seeded from seed (deterministic: the same
// seed, e.g. inventory_hostname, always gives the same sequence; it does
// not reproduce Python's sequence) or from the system when seed is None.
func newRand(seed any) (*mrand.Rand, error) {
	var s uint64
	if seed == nil {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("seeding random: %w", err)
		}
		s = binary.LittleEndian.Uint64(b[:])
	} else {
		h := fnv.New64a()
		h.Write([]byte(pyStr(seed)))
		s = h.Sum64()
	}
	return mrand.New(mrand.NewPCG(s, s^0x9e3779b97f4a7c15)), nil
}

// filterRandom is Ansible's random(start=0, step=1, seed=None): a random
// item of a list, or a number in range(start, end, step) for an int.
func filterRandom(in any, a *args) (any, error) {
	seed, err := a.get(-1, "seed", nil)
	if err != nil {
		return nil, err
	}
	r, err := newRand(seed)
	if err != nil {
		return nil, err
	}
	if end, ok := in.(int); ok {
		start, err := a.integer(0, "start", 0)
		if err != nil {
			return nil, err
		}
		step, err := a.integer(1, "step", 1)
		if err != nil {
			return nil, err
		}
		if step <= 0 || end <= start {
			return nil, errors.New("empty range for random")
		}
		n := (end - start + step - 1) / step
		return start + step*r.IntN(n), nil
	}
	list, err := toList(in)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errors.New("cannot choose from an empty sequence")
	}
	return list[r.IntN(len(list))], nil
}

// filterShuffle is shuffle(seed=None).
func filterShuffle(in any, a *args) (any, error) {
	seed, err := a.get(0, "seed", nil)
	if err != nil {
		return nil, err
	}
	r, err := newRand(seed)
	if err != nil {
		return nil, err
	}
	list, err := toList(in)
	if err != nil {
		return nil, err
	}
	out := append([]any{}, list...)
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out, nil
}

var sizeUnits = []string{"", "K", "M", "G", "T", "P", "E", "Z", "Y"}

// filterHumanReadable is human_readable(isbits=False, unit=None):
// 1024 → "1.00 KB".
func filterHumanReadable(in any, a *args) (any, error) {
	f, ok := toFloat(in)
	if !ok {
		return nil, fmt.Errorf("human_readable() can't interpret %s", pyRepr(in))
	}
	isbits, err := a.boolean(0, "isbits", false)
	if err != nil {
		return nil, err
	}
	unit, err := a.str(1, "unit", "")
	if err != nil {
		return nil, err
	}
	suffix := "B"
	if isbits {
		suffix = "b"
	}
	for i := len(sizeUnits) - 1; i >= 0; i-- {
		limit := math.Pow(1024, float64(i))
		if unit != "" && strings.ToUpper(unit[:1]) == sizeUnits[i] || unit == "" && f >= limit {
			if i == 0 {
				if isbits {
					return fmt.Sprintf("%.2f bits", f), nil
				}
				return fmt.Sprintf("%.2f Bytes", f), nil
			}
			return fmt.Sprintf("%.2f %s%s", f/limit, sizeUnits[i], suffix), nil
		}
	}
	return fmt.Sprintf("%.2f %s", f, suffix), nil
}

var reHumanSize = regexp.MustCompile(`^\s*(\d*\.?\d+)\s*([A-Za-z]+)?\s*$`)

// filterHumanToBytes is human_to_bytes(default_unit=None, isbits=False):
// "1K" or "1 KB" → 1024.
func filterHumanToBytes(in any, a *args) (any, error) {
	def, err := a.str(0, "default_unit", "")
	if err != nil {
		return nil, err
	}
	m := reHumanSize.FindStringSubmatch(pyStr(in))
	if m == nil {
		return nil, fmt.Errorf("human_to_bytes() can't interpret %q", pyStr(in))
	}
	num, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return nil, fmt.Errorf("human_to_bytes(): %w", err)
	}
	unit := m[2]
	if unit == "" {
		unit = def
	}
	mult := 1.0
	if unit != "" {
		found := false
		for i, u := range sizeUnits {
			if u != "" && strings.EqualFold(unit[:1], u) {
				mult = math.Pow(1024, float64(i))
				found = true
			}
		}
		if !found && !strings.EqualFold(unit, "b") && !strings.EqualFold(unit, "bytes") {
			return nil, fmt.Errorf("human_to_bytes(): unknown unit %q", unit)
		}
	}
	return int(math.Round(num * mult)), nil
}
