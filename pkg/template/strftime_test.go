package template

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The expected text is what Python's datetime.strftime writes for the
// same instant (a Tuesday, in a leap year).
func TestStrftimeDirectives(t *testing.T) {
	at := time.Date(2024, 3, 5, 14, 7, 9, 123456789, time.UTC)
	got := strftime(at, "%Y %y %m %d %H %I %M %S %f %p %j %a %A %b %B %z %Z %w %F %T %% %s %q %")
	assert.Equal(t, "2024 24 03 05 14 02 07 09 123456 PM 065 Tue Tuesday Mar March +0000 UTC 2 2024-03-05 14:07:09 % 1709647629 %q %", got)
}
