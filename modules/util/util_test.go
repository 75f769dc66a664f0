package util

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/module"
)

// evalVars is a tiny stand-in for the template engine: an expression is a
// variable name, a literal true/false, or "NAME == VALUE".
func evalVars(vars map[string]any) func(string) (any, error) {
	return func(expr string) (any, error) {
		expr = strings.TrimSpace(expr)
		if l, r, ok := strings.Cut(expr, "=="); ok {
			v, ok := vars[strings.TrimSpace(l)]
			if !ok {
				return nil, fmt.Errorf("'%s' is undefined", strings.TrimSpace(l))
			}
			return fmt.Sprint(v) == strings.TrimSpace(r), nil
		}
		switch expr {
		case "true", "True":
			return true, nil
		case "false", "False":
			return false, nil
		}
		if v, ok := vars[expr]; ok {
			return v, nil
		}
		if expr == "boom" {
			return nil, errors.New("syntax error")
		}
		return nil, fmt.Errorf("'%s' is undefined", expr)
	}
}

func runMod(t *testing.T, m module.Module, tg *module.Target, raw map[string]any) (module.Result, error) {
	t.Helper()
	args, err := m.Spec().Validate(raw, false)
	require.NoError(t, err)
	if tg == nil {
		tg = &module.Target{Host: "h1"}
	}
	return m.Run(context.Background(), tg, args)
}

func TestDebug(t *testing.T) {
	tg := &module.Target{Eval: evalVars(map[string]any{"x": []any{1, 2}})}
	res, err := runMod(t, Debug{}, tg, map[string]any{})
	require.NoError(t, err)
	assert.Equal(t, "Hello world!", res.Data["msg"])
	assert.False(t, res.Changed)

	res, err = runMod(t, Debug{}, tg, map[string]any{"var": "x", "verbosity": "2"})
	require.NoError(t, err)
	assert.Equal(t, []any{1, 2}, res.Data["x"])
	assert.Equal(t, 2, res.Data["_ansible_verbosity"])

	res, err = runMod(t, Debug{}, tg, map[string]any{"var": "nope"})
	require.NoError(t, err)
	assert.Equal(t, "VARIABLE IS NOT DEFINED!", res.Data["nope"])

	_, err = runMod(t, Debug{}, tg, map[string]any{"var": "boom"})
	assert.ErrorContains(t, err, "syntax error")

	res, err = runMod(t, Debug{}, tg, map[string]any{"msg": []any{"a", "b"}})
	require.NoError(t, err)
	assert.Equal(t, []any{"a", "b"}, res.Data["msg"])

	_, err = Debug{}.Spec().Validate(map[string]any{"msg": "a", "var": "b"}, true)
	assert.ErrorContains(t, err, "mutually exclusive")
	_, err = Debug{}.Spec().Validate(map[string]any{"mgs": "a"}, true)
	assert.ErrorContains(t, err, `did you mean "msg"`)
}

func TestAssert(t *testing.T) {
	tg := &module.Target{Eval: evalVars(map[string]any{"a": 1, "flag": "false", "yes_flag": "yes", "empty": []any{}})}
	res, err := runMod(t, Assert{}, tg, map[string]any{"that": []any{"a == 1", "true"}})
	require.NoError(t, err)
	assert.False(t, res.Failed)
	assert.Equal(t, "All assertions passed", res.Msg)

	res, err = runMod(t, Assert{}, tg, map[string]any{"that": []any{"a == 1", "flag", "true"}, "msg": "custom"})
	require.NoError(t, err)
	assert.True(t, res.Failed)
	assert.Equal(t, "flag", res.Data["assertion"], "a bare variable holding \"false\" is false")
	assert.Equal(t, false, res.Data["evaluated_to"])
	assert.Equal(t, "custom", res.Msg)

	res, err = runMod(t, Assert{}, tg, map[string]any{"that": "yes_flag", "success_msg": []any{"ok", "fine"}})
	require.NoError(t, err)
	assert.False(t, res.Failed)
	assert.Equal(t, []any{"ok", "fine"}, res.Data["msg"])

	res, err = runMod(t, Assert{}, tg, map[string]any{"that": []any{"empty"}, "quiet": true})
	require.NoError(t, err)
	assert.True(t, res.Failed)
	assert.Equal(t, "Assertion failed", res.Msg)

	_, err = runMod(t, Assert{}, tg, map[string]any{"that": []any{"undefined_thing"}})
	assert.ErrorContains(t, err, "undefined")

	_, err = Assert{}.Spec().Validate(map[string]any{}, true)
	assert.ErrorContains(t, err, `missing required argument "that"`)
}

func TestFail(t *testing.T) {
	res, err := runMod(t, Fail{}, nil, map[string]any{})
	require.NoError(t, err)
	assert.True(t, res.Failed)
	assert.Equal(t, "Failed as requested from task", res.Msg)
	res, err = runMod(t, Fail{}, nil, map[string]any{"msg": "stop $(now)"})
	require.NoError(t, err)
	assert.Equal(t, "stop $(now)", res.Msg)
}

func TestSetFact(t *testing.T) {
	res, err := SetFact{}.Run(context.Background(), &module.Target{}, module.Args{"a": "Yes", "b": map[string]any{"c": 1}, "s": "text", "cacheable": true})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": true, "b": map[string]any{"c": 1}, "s": "text"}, res.Data["ansible_facts"])
	assert.Equal(t, true, res.Data["_ansible_facts_cacheable"])
	assert.False(t, res.Changed)

	_, err = SetFact{}.Run(context.Background(), &module.Target{}, module.Args{"cacheable": false})
	assert.ErrorContains(t, err, "at least one is required")
	_, err = SetFact{}.Run(context.Background(), &module.Target{}, module.Args{"bad-name": 1})
	assert.ErrorContains(t, err, "'bad-name' is not valid")
}

func TestPauseSecondsIsCancellable(t *testing.T) {
	var out strings.Builder
	p := Pause{Out: &out, Interactive: func() bool { return false }}
	args, err := p.Spec().Validate(map[string]any{"seconds": 0.2}, false)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = p.Run(ctx, &module.Target{}, args)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 900*time.Millisecond, "a pause under 1s waits 1s, but cancellation ends it")
	assert.Contains(t, out.String(), "Pausing for 1 seconds")
}

func TestPausePrompt(t *testing.T) {
	var out strings.Builder
	p := Pause{In: strings.NewReader("yes please\nignored\n"), Out: &out, Interactive: func() bool { return true }}
	args, err := p.Spec().Validate(map[string]any{"prompt": "Proceed?"}, false)
	require.NoError(t, err)
	res, err := p.Run(context.Background(), &module.Target{}, args)
	require.NoError(t, err)
	assert.Equal(t, "yes please", res.Data["user_input"])
	assert.Contains(t, out.String(), "Proceed?:")
	assert.Regexp(t, `^Paused for \d+\.\d+ seconds$`, res.Data["stdout"])

	p.Interactive = func() bool { return false }
	res, err = p.Run(context.Background(), &module.Target{}, args)
	require.NoError(t, err)
	assert.Equal(t, []string{"Not waiting for response to prompt as stdin is not interactive"}, res.Data["warnings"])

	_, err = p.Spec().Validate(map[string]any{"seconds": 1, "minutes": 1}, true)
	assert.ErrorContains(t, err, "mutually exclusive")
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
}

func TestIncludeVarsFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "vars", "main.yml"), "port: 80\nenabled: yes\nlist: [a, b]\n")
	writeFile(t, filepath.Join(dir, "vars", "list.yml"), "- a\n")
	writeFile(t, filepath.Join(dir, "vars", "empty.yml"), "")
	tg := &module.Target{FindFile: func(kind, name string) (string, error) {
		require.Equal(t, "vars", kind)
		p := filepath.Join(dir, kind, name)
		if _, err := os.Stat(p); err != nil {
			return "", err
		}
		return p, nil
	}}
	res, err := runMod(t, IncludeVars{}, tg, map[string]any{"_raw_params": "main.yml"})
	require.NoError(t, err)
	require.False(t, res.Failed, res.Msg)
	assert.Equal(t, map[string]any{"port": 80, "enabled": true, "list": []any{"a", "b"}}, res.Data["ansible_facts"])
	assert.Equal(t, []string{filepath.Join(dir, "vars", "main.yml")}, res.Data["ansible_included_var_files"])

	res, err = runMod(t, IncludeVars{}, tg, map[string]any{"file": "main.yml", "name": "cfg"})
	require.NoError(t, err)
	assert.Equal(t, 80, res.Data["ansible_facts"].(map[string]any)["cfg"].(map[string]any)["port"])

	res, err = runMod(t, IncludeVars{}, tg, map[string]any{"file": "list.yml"})
	require.NoError(t, err)
	assert.True(t, res.Failed)
	assert.Contains(t, res.Msg, "must be stored as a dictionary/hash")

	res, err = runMod(t, IncludeVars{}, tg, map[string]any{"file": "missing.yml"})
	require.NoError(t, err)
	assert.True(t, res.Failed)
	assert.Contains(t, res.Msg, "could not find or access 'missing.yml'")

	res, err = runMod(t, IncludeVars{}, tg, map[string]any{"file": "empty.yml"})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{}, res.Data["ansible_facts"])

	_, err = runMod(t, IncludeVars{}, tg, map[string]any{"file": "main.yml", "depth": 2})
	assert.ErrorContains(t, err, "mixing file only and dir only")
}

func TestIncludeVarsDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.yml"), "x: 1\ny: 1\n")
	writeFile(t, filepath.Join(dir, "b.json"), `{"y": 2, "cfg": {"k": "v"}}`)
	writeFile(t, filepath.Join(dir, "skip.yml"), "x: 99\n")
	writeFile(t, filepath.Join(dir, "sub", "c.yaml"), "z: 3\n")
	writeFile(t, filepath.Join(dir, "README"), "text")
	tg := &module.Target{Vars: map[string]any{"cfg": map[string]any{"old": 1}}}

	res, err := runMod(t, IncludeVars{}, tg, map[string]any{"dir": dir, "ignore_files": []any{"skip.yml"}})
	require.NoError(t, err)
	assert.True(t, res.Failed, "README has no valid extension")
	assert.Contains(t, res.Msg, "does not have a valid extension: json, yaml, yml")

	res, err = runMod(t, IncludeVars{}, tg, map[string]any{"dir": dir, "ignore_files": []any{"skip.yml"}, "ignore_unknown_extensions": true, "hash_behaviour": "merge"})
	require.NoError(t, err)
	require.False(t, res.Failed, res.Msg)
	assert.Equal(t, map[string]any{"x": 1, "y": 2, "z": 3, "cfg": map[string]any{"old": 1, "k": "v"}}, res.Data["ansible_facts"])
	assert.Len(t, res.Data["ansible_included_var_files"], 3)

	res, err = runMod(t, IncludeVars{}, tg, map[string]any{"dir": dir, "depth": 1, "files_matching": `^[ab]\.`, "ignore_unknown_extensions": true})
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(dir, "a.yml"), filepath.Join(dir, "b.json")}, res.Data["ansible_included_var_files"])

	res, err = runMod(t, IncludeVars{}, tg, map[string]any{"dir": filepath.Join(dir, "nope")})
	require.NoError(t, err)
	assert.True(t, res.Failed)
	assert.Contains(t, res.Msg, "directory does not exist")
}
