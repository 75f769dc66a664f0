package transport

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfigFromVars(t *testing.T) {
	home, err := os.UserHomeDir()
	require.NoError(t, err)
	tests := []struct {
		name string
		vars map[string]any
		d    Defaults
		want Config
	}{
		{
			name: "inventory hostname only, CLI defaults",
			vars: map[string]any{"inventory_hostname": "web1"},
			d:    Defaults{RemoteUser: "deploy", PrivateKeyFile: "/k", Timeout: 7 * time.Second},
			want: Config{Connection: "ssh", Host: "web1", User: "deploy", KeyFiles: []string{"/k"}, ConnectTimeout: 7 * time.Second},
		},
		{
			name: "variables win over defaults; ints and strings",
			vars: map[string]any{
				"inventory_hostname": "web1", "ansible_host": "10.0.0.5", "ansible_port": 2222,
				"ansible_user": "admin", "ansible_ssh_private_key_file": "~/.ssh/lab", "ansible_password": "s3cret",
				"ansible_ssh_timeout": "2.5",
			},
			d: Defaults{RemoteUser: "deploy", PrivateKeyFile: "/k", Timeout: 7 * time.Second},
			want: Config{Connection: "ssh", Host: "10.0.0.5", Port: 2222, User: "admin",
				KeyFiles: []string{filepath.Join(home, ".ssh/lab")}, Password: "s3cret", ConnectTimeout: 2500 * time.Millisecond},
		},
		{
			name: "old-style names",
			vars: map[string]any{"ansible_ssh_host": "h", "ansible_ssh_port": "22", "ansible_ssh_user": "u",
				"ansible_ssh_pass": "p", "ansible_connection": "paramiko"},
			want: Config{Connection: "ssh", Host: "h", Port: 22, User: "u", Password: "p"},
		},
		{
			name: "ssh args",
			vars: map[string]any{
				"inventory_hostname": "db1",
				"ansible_ssh_common_args": `-o ControlMaster=auto -o ControlPersist=60s -o 'ProxyJump=jump@bastion:2200,[fe80::1]:22' ` +
					`-o UserKnownHostsFile="/tmp/kh one" -o StrictHostKeyChecking=accept-new -C -q`,
				"ansible_ssh_extra_args": "-p 2022 -l extra -i /id1 -oIdentityFile=/id2 -o ConnectTimeout=3 -o ConnectionAttempts=4 -o ServerAliveInterval=5 -o IdentitiesOnly=yes",
			},
			want: Config{Connection: "ssh", Host: "db1", Port: 2022, User: "extra", KeyFiles: []string{"/id1", "/id2"}, NoAgent: true,
				KnownHostsFiles: []string{"/tmp/kh", "one"}, HostKeyPolicy: HostKeyAcceptNew,
				JumpHosts:      []Hop{{User: "jump", Host: "bastion", Port: 2200}, {Host: "fe80::1", Port: 22}},
				ConnectTimeout: 3 * time.Second, DialRetries: 3, Keepalive: 5 * time.Second},
		},
		{
			name: "-J flag and first value wins",
			vars: map[string]any{"ansible_host": "t", "ansible_ssh_common_args": "-J b1 -o ProxyJump=b2 -o Port=1 -o Port=2"},
			want: Config{Connection: "ssh", Host: "t", Port: 1, JumpHosts: []Hop{{Host: "b1"}}},
		},
		{
			name: "ProxyCommand with ssh -W becomes a jump host",
			vars: map[string]any{"ansible_host": "t", "ansible_ssh_common_args": `-o ProxyCommand="ssh -W %h:%p -q -p 2201 ops@gw"`},
			want: Config{Connection: "ssh", Host: "t", JumpHosts: []Hop{{User: "ops", Host: "gw", Port: 2201}}},
		},
		{
			name: "host_key_checking false overrides the ssh option",
			vars: map[string]any{"ansible_host": "t", "ansible_host_key_checking": false,
				"ansible_ssh_common_args": "-o StrictHostKeyChecking=yes"},
			want: Config{Connection: "ssh", Host: "t", HostKeyPolicy: HostKeyIgnore},
		},
		{
			name: "host_key_checking true leaves the ssh option in charge",
			vars: map[string]any{"ansible_host": "t", "ansible_host_key_checking": "yes",
				"ansible_ssh_common_args": "-o StrictHostKeyChecking=no"},
			want: Config{Connection: "ssh", Host: "t", HostKeyPolicy: HostKeyIgnore},
		},
		{
			name: "defaults: known_hosts, policy, args, password",
			vars: map[string]any{"ansible_host": "t"},
			d: Defaults{HostKeyPolicy: HostKeyAcceptNew, KnownHostsFiles: []string{"/kh"}, Password: "pw",
				SSHCommonArgs: "-o ProxyJump=b", DialRetries: 2, Keepalive: time.Second},
			want: Config{Connection: "ssh", Host: "t", HostKeyPolicy: HostKeyAcceptNew, KnownHostsFiles: []string{"/kh"},
				Password: "pw", JumpHosts: []Hop{{Host: "b"}}, DialRetries: 2, Keepalive: time.Second},
		},
		{
			name: "host variable args replace CLI args",
			vars: map[string]any{"ansible_host": "t", "ansible_ssh_common_args": ""},
			d:    Defaults{SSHCommonArgs: "-o ProxyJump=b"},
			want: Config{Connection: "ssh", Host: "t"},
		},
		{
			name: "local connection",
			vars: map[string]any{"ansible_connection": "local"},
			want: Config{Connection: "local", Host: "localhost"},
		},
		{
			name: "ServerAliveInterval=0 disables keepalives",
			vars: map[string]any{"ansible_host": "t", "ansible_ssh_extra_args": "-o ServerAliveInterval=0"},
			want: Config{Connection: "ssh", Host: "t", Keepalive: -1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ConfigFromVars(tc.vars, tc.d)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestConfigFromVarsErrors(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]any
		want string
	}{
		{"no host", map[string]any{}, "no ansible_host"},
		{"bad port", map[string]any{"ansible_host": "h", "ansible_port": "ssh"}, `ansible_port: invalid port "ssh"`},
		{"port range", map[string]any{"ansible_host": "h", "ansible_port": 70000}, "invalid port"},
		{"connection", map[string]any{"ansible_host": "h", "ansible_connection": "winrm"}, `"winrm" is not supported`},
		{"unterminated quote", map[string]any{"ansible_host": "h", "ansible_ssh_common_args": "-o 'ProxyJump=x"}, "unterminated"},
		{"missing value", map[string]any{"ansible_host": "h", "ansible_ssh_extra_args": "-o"}, "needs a value"},
		{"other ProxyCommand", map[string]any{"ansible_host": "h", "ansible_ssh_common_args": "-o ProxyCommand='nc -x proxy %h %p'"}, "not supported"},
		{"bad checking", map[string]any{"ansible_host": "h", "ansible_host_key_checking": "maybe"}, "ansible_host_key_checking"},
		{"bad jump", map[string]any{"ansible_host": "h", "ansible_ssh_common_args": "-J user@host:99999"}, "invalid port"},
		{"bad timeout", map[string]any{"ansible_host": "h", "ansible_ssh_timeout": "soon"}, "want seconds"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ConfigFromVars(tc.vars, Defaults{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestConfigNeverPrintsPassword(t *testing.T) {
	c := Config{Host: "h", User: "u", Password: "hunter2"}
	for _, s := range []string{c.String(), c.GoString(), c.LogValue().String(), sprintf("%v %+v %#v %s", c, c, c, c)} {
		assert.NotContains(t, s, "hunter2")
	}
	assert.Contains(t, c.String(), "u@h:22")
}

func TestParseHostKeyPolicy(t *testing.T) {
	for in, want := range map[string]HostKeyPolicy{"yes": HostKeyStrict, "True": HostKeyStrict, "ask": HostKeyStrict,
		"accept-new": HostKeyAcceptNew, "no": HostKeyIgnore, "false": HostKeyIgnore, "0": HostKeyIgnore} {
		got, err := ParseHostKeyPolicy(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
		if in == "yes" || in == "no" || in == "accept-new" {
			assert.Equal(t, in, got.String())
		}
	}
	_, err := ParseHostKeyPolicy("sometimes")
	assert.Error(t, err)
}

func TestSplitWords(t *testing.T) {
	got, err := splitWords(`a 'b c' "d \"e\" \$f" g\ h '' x"y"z`)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b c", `d "e" $f`, "g h", "", "xyz"}, got)
}
