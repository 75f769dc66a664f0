// Command hello is the tiny HTTP server the swarm lab test packs into an
// image: it answers every request with the GREETING environment variable
// and the container's hostname, so a test can tell which task answered
// and which spec it runs.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
)

func main() {
	listen := flag.String("listen", ":8080", "address to listen on")
	flag.Parse()
	host, _ := os.Hostname()
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "%s from %s\n", os.Getenv("GREETING"), host)
	})
	log.Fatal(http.ListenAndServe(*listen, nil))
}
