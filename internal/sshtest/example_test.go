package sshtest_test

import (
	"fmt"
	"log"

	"github.com/hactl/hactl/internal/sshtest"
)

func ExampleStartServers() {
	// Outside tests (a benchmark driver, a demo), servers live until Close.
	cluster, err := sshtest.StartServers("", 3)
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	for _, s := range cluster.Servers {
		fmt.Println(s.Name, s.Addr != "", s.KeyFile == cluster.KeyFile)
	}
	// Output:
	// ssh0 true true
	// ssh1 true true
	// ssh2 true true
}
