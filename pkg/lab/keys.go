package lab

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// keyPair is an ed25519 key in the forms the lab writes out.
type keyPair struct {
	Private []byte // OpenSSH PEM
	Public  []byte // authorized_keys line
	Signer  ssh.Signer
}

// newKeyPair generates an ed25519 key.
func newKeyPair(comment string) (*keyPair, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub))) + " " + comment + "\n"
	return &keyPair{Private: pem.EncodeToMemory(block), Public: []byte(line), Signer: signer}, nil
}

// loadOrCreateKey reads the private key at path, or makes and saves one
// (path 0600, path.pub 0644).
func loadOrCreateKey(path, comment string) (*keyPair, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		signer, err := ssh.ParsePrivateKey(data)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", path, err)
		}
		line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey()))) + " " + comment + "\n"
		return &keyPair{Private: data, Public: []byte(line), Signer: signer}, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("key %s: %w", path, err)
	}
	kp, err := newKeyPair(comment)
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(path, kp.Private, 0o600); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(path+".pub", kp.Public, 0o644); err != nil {
		return nil, err
	}
	return kp, nil
}

// knownHostsLine is one known_hosts entry for a host under its address and
// its name.
func knownHostsLine(addr, name string, key ssh.PublicKey) string {
	return knownhosts.Line([]string{addr, name}, key) + "\n"
}
