package command

import (
	"github.com/hactl/hactl/modules/internal/shellx"
	"github.com/hactl/hactl/pkg/module"
)

// outputReturns documents what raw and script register: the exit status
// of what (command or script) and its output as it came.
func outputReturns(what string) []module.ReturnValue {
	return []module.ReturnValue{
		{Name: "rc", Type: module.Int, Doc: "The " + what + "'s exit status."},
		{Name: "stdout", Type: module.Str, Doc: "Standard output, as it came."},
		{Name: "stderr", Type: module.Str, Doc: "Standard error, as it came."},
		{Name: "stdout_lines", Type: module.List, Doc: "stdout split into lines."},
		{Name: "stderr_lines", Type: module.List, Doc: "stderr split into lines."},
	}
}

// outputResult is the result of raw and script once the command ran:
// changed, failed on a non-zero exit status, the output unstripped.
func outputResult(rc int, stdout, stderr string) module.Result {
	data := map[string]any{
		"rc": rc, "stdout": stdout, "stderr": stderr,
		"stdout_lines": shellx.Lines(stdout), "stderr_lines": shellx.Lines(stderr),
	}
	r := module.Result{Changed: true, Data: data}
	if rc != 0 {
		r.Failed, r.Msg = true, "non-zero return code"
		data["msg"] = r.Msg
	}
	return r
}
