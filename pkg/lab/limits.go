package lab

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// inotifyMinimums are the machine's inotify limits the lab needs: every
// host's systemd, journald and udev hold several inotify instances, and
// Debian's default of 128 instances per user is used up by a few labs at
// once (hosts then fail to boot with "Too many open files").
var inotifyMinimums = map[string]int{
	"/proc/sys/fs/inotify/max_user_instances": 8192,
	"/proc/sys/fs/inotify/max_user_watches":   524288,
}

// raiseInotifyLimits raises the machine's inotify limits to the lab's
// minimums; it never lowers them.
func raiseInotifyLimits() error {
	for p, want := range inotifyMinimums {
		data, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("reading %s: %w", p, err)
		}
		cur, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil || cur >= want {
			continue
		}
		if err := os.WriteFile(p, []byte(strconv.Itoa(want)), 0o644); err != nil {
			return fmt.Errorf("raising %s to %d: %w", p, want, err)
		}
	}
	return nil
}
