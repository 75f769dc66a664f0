package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runInventoryCmd runs "hactl inventory ARGS" in-process.
func runInventoryCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := newRootCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(append([]string{"inventory"}, args...))
	err = cmd.Execute()
	return out.String(), errOut.String(), err
}

func invTestTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"hosts":              "loose1 x=1\n[web]\nweb[01:02] ansible_user=deploy\n[db]\ndb1:2222 f=1.0\n[web:children]\ncanary\n[canary]\ncan1\n[prod:children]\nweb\ndb\n[prod:vars]\nenv=prod\nansible_group_priority=5\n",
		"group_vars/web.yml": "role: web\nsecret: !unsafe '{{ raw }}'\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return filepath.Join(dir, "hosts")
}

// The expected outputs are ansible-inventory 2.14's on the same inventory.
func TestInventoryList(t *testing.T) {
	out, _, err := runInventoryCmd(t, "-i", invTestTree(t), "--list")
	require.NoError(t, err)
	assert.Equal(t, `{
    "_meta": {
        "hostvars": {
            "can1": {
                "env": "prod",
                "role": "web",
                "secret": {
                    "__ansible_unsafe": "{{ raw }}"
                }
            },
            "db1": {
                "ansible_port": 2222,
                "env": "prod",
                "f": 1.0
            },
            "loose1": {
                "x": 1
            },
            "web01": {
                "ansible_user": "deploy",
                "env": "prod",
                "role": "web",
                "secret": {
                    "__ansible_unsafe": "{{ raw }}"
                }
            },
            "web02": {
                "ansible_user": "deploy",
                "env": "prod",
                "role": "web",
                "secret": {
                    "__ansible_unsafe": "{{ raw }}"
                }
            }
        }
    },
    "all": {
        "children": [
            "ungrouped",
            "prod"
        ]
    },
    "canary": {
        "hosts": [
            "can1"
        ]
    },
    "db": {
        "hosts": [
            "db1"
        ]
    },
    "prod": {
        "children": [
            "web",
            "db"
        ]
    },
    "ungrouped": {
        "hosts": [
            "loose1"
        ]
    },
    "web": {
        "children": [
            "canary"
        ],
        "hosts": [
            "web01",
            "web02"
        ]
    }
}
`, out)
}

func TestInventoryGraph(t *testing.T) {
	inv := invTestTree(t)
	out, _, err := runInventoryCmd(t, "-i", inv, "--graph")
	require.NoError(t, err)
	assert.Equal(t, `@all:
  |--@ungrouped:
  |  |--loose1
  |--@prod:
  |  |--@web:
  |  |  |--@canary:
  |  |  |  |--can1
  |  |  |--web01
  |  |  |--web02
  |  |--@db:
  |  |  |--db1
`, out)

	out, _, err = runInventoryCmd(t, "-i", inv, "--graph", "db", "--vars")
	require.NoError(t, err)
	assert.Equal(t, `@db:
  |--db1
  |  |--{ansible_port = 2222}
  |  |--{env = prod}
  |  |--{f = 1.0}
`, out)

	_, _, err = runInventoryCmd(t, "-i", inv, "--graph", "nosuch")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "must be a valid group name")
}

func TestInventoryHostAndLimit(t *testing.T) {
	inv := invTestTree(t)
	out, _, err := runInventoryCmd(t, "-i", inv, "--host", "db1")
	require.NoError(t, err)
	assert.Equal(t, "{\n    \"ansible_port\": 2222,\n    \"env\": \"prod\",\n    \"f\": 1.0\n}\n", out)

	_, _, err = runInventoryCmd(t, "-i", inv, "--host", "web")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "single valid host")

	out, _, err = runInventoryCmd(t, "-i", inv, "--graph", "--limit", "web:!canary")
	require.NoError(t, err)
	assert.Equal(t, "@all:\n  |--@ungrouped:\n  |--@prod:\n  |  |--@web:\n  |  |  |--@canary:\n  |  |  |--web01\n  |  |  |--web02\n  |  |--@db:\n", out)

	out, _, err = runInventoryCmd(t, "-i", inv, "--list", "--yaml", "--limit", "db")
	require.NoError(t, err)
	assert.Equal(t, `all:
  children:
    prod:
      children:
        db:
          hosts:
            db1:
              ansible_port: 2222
              env: prod
              f: 1.0
        web:
          children:
            canary: {}
    ungrouped: {}
`, out)
}

func TestInventoryExport(t *testing.T) {
	out, _, err := runInventoryCmd(t, "-i", invTestTree(t), "--list", "--export", "--limit", "web01")
	require.NoError(t, err)
	assert.Contains(t, out, "\"prod\": {\n        \"children\": [\n            \"web\",\n            \"db\"\n        ],\n        \"vars\": {\n            \"ansible_group_priority\": 5,\n            \"env\": \"prod\"\n        }\n    }")
	assert.Contains(t, out, "\"web01\": {\n                \"ansible_user\": \"deploy\"\n            }")
}

func TestInventoryErrors(t *testing.T) {
	_, _, err := runInventoryCmd(t, "-i", invTestTree(t))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "exactly one of --list, --graph or --host")

	bad := filepath.Join(t.TempDir(), "hosts")
	require.NoError(t, os.WriteFile(bad, []byte("[web]\nw1 oops\n"), 0o644))
	_, _, err = runInventoryCmd(t, "-i", bad, "--list")
	require.Error(t, err)
	var ee *exitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 4, ee.code)
	assert.Contains(t, err.Error(), bad+":2: expected key=value host variable assignment, got: oops")
}

func TestInventoryHostListSource(t *testing.T) {
	out, _, err := runInventoryCmd(t, "-i", "a,b:2200,", "--graph")
	require.NoError(t, err)
	assert.Equal(t, "@all:\n  |--@ungrouped:\n  |  |--a\n  |  |--b\n", out)
}
