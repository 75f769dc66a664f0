package sshtest

import (
	"fmt"
	"strings"
)

// sshdConfig renders the sshd_config of one test server.
//
// Session cost: sshd runs every command through the login shell, and on
// Debian bash sources /etc/bash.bashrc and ~/.bashrc when it sees it was
// started by sshd (SSH_CLIENT set) at shell level < 2. A heavy ~/.bashrc
// (pyenv, cargo, …) then adds tens to hundreds of milliseconds to every
// command. "SetEnv SHLVL=1" makes bash believe it is nested, so it skips the
// rc files, while HOME and the rest of the user's environment stay as they
// are. Measured on the development machine (root's ~/.bashrc loads pyenv):
// one exec of "true" on an open connection took 124 ms without the setting
// and 4.7 ms with it. internal-sftp serves SFTP inside sshd, without
// starting a shell at all.
func sshdConfig(addr, hostKey, authorizedKeys string) string {
	lines := []string{
		"ListenAddress " + addr,
		"HostKey " + hostKey,
		"AuthorizedKeysFile " + authorizedKeys,
		"PidFile none",
		"UsePAM no",
		"StrictModes no",
		"PermitRootLogin yes",
		"PubkeyAuthentication yes",
		"PasswordAuthentication yes",
		"KbdInteractiveAuthentication no",
		"PermitUserEnvironment no",
		"UseDNS no",
		"PrintMotd no",
		"PrintLastLog no",
		"AllowTcpForwarding yes",
		"MaxStartups 1000",
		"MaxSessions 1000",
		"MaxAuthTries 20",
		"LoginGraceTime 30",
		"LogLevel INFO",
		"SetEnv SHLVL=1",
		"Subsystem sftp internal-sftp",
	}
	return strings.Join(lines, "\n") + "\n"
}

// hostPort formats a loopback listen address.
func hostPort(host string, port int) string {
	return fmt.Sprintf("%s:%d", host, port)
}
