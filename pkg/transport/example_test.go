package transport_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/hactl/hactl/pkg/transport"
)

func ExampleQuote() {
	fmt.Println(transport.Quote("/etc/hosts"))
	fmt.Println(transport.Quote("it's $(not) run"))
	fmt.Println(transport.QuoteArgs([]string{"printf", "%s\n", ""}))
	// Output:
	// /etc/hosts
	// 'it'\''s $(not) run'
	// printf '%s
	// ' ''
}

func ExampleConfigFromVars() {
	vars := map[string]any{
		"inventory_hostname":      "db1",
		"ansible_host":            "192.168.56.40",
		"ansible_port":            2222,
		"ansible_user":            "admin",
		"ansible_ssh_common_args": "-o ProxyJump=ops@bastion -o ControlMaster=auto -o StrictHostKeyChecking=accept-new",
	}
	cfg, err := transport.ConfigFromVars(vars, transport.Defaults{Timeout: 10 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg)
	fmt.Println(cfg.HostKeyPolicy, cfg.ConnectTimeout)
	// Output:
	// admin@192.168.56.40:2222 via ops@bastion:22
	// accept-new 10s
}

func ExampleDialSSH() {
	ctx := context.Background()
	conn, err := transport.DialSSH(ctx, transport.Config{
		Host:            "192.168.56.13",
		User:            "root",
		KeyFiles:        []string{"/home/me/.ssh/lab_ed25519"},
		KnownHostsFiles: []string{"/home/me/.ssh/known_hosts"},
	})
	if err != nil {
		log.Fatal(err) // wraps transport.ErrUnreachable
	}
	defer conn.Close()

	res, err := conn.Run(ctx, `printf '%s\n' "$GREETING"`, transport.RunOpts{
		Env: map[string]string{"GREETING": "costs $0"}, // stays literal
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(res.Stdout))

	err = conn.Put(ctx, "/etc/motd", strings.NewReader("managed by hactl\n"), 0o644)
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleWithBecome() {
	ctx := context.Background()
	login, err := transport.DialSSH(ctx, transport.Config{Host: "node1", User: "deploy"})
	if err != nil {
		log.Fatal(err)
	}
	defer login.Close()

	root := transport.WithBecome(login, transport.Become{Method: "sudo", Password: "from the vault"})
	res, err := root.Run(ctx, "id -u", transport.RunOpts{})
	if err != nil {
		log.Fatal(err) // wraps transport.ErrBecome on a wrong password
	}
	fmt.Print(string(res.Stdout)) // 0
}

func ExampleNewPool() {
	ctx := context.Background()
	pool := transport.NewPool(transport.PoolOptions{})
	defer pool.CloseAll()

	for _, host := range []string{"web1", "web2", "web1"} {
		cfg, err := transport.ConfigFromVars(map[string]any{"inventory_hostname": host}, transport.Defaults{})
		if err != nil {
			log.Fatal(err)
		}
		conn, err := pool.Get(ctx, host, cfg) // web1 is dialled once
		if err != nil {
			log.Print(err)
			continue
		}
		_, _ = conn.Run(ctx, "uptime", transport.RunOpts{})
	}
}
