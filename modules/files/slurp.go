package files

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"

	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(Slurp{}) }

// Slurp is the slurp module: read a remote file into the result.
type Slurp struct{}

// Spec describes the slurp module.
func (Slurp) Spec() module.Spec {
	return module.Spec{
		Name:      "slurp",
		Short:     "Read a file from the host, base64-encoded",
		Doc:       `Reads the file src on the host and returns its content base64-encoded (decode it with the b64decode filter). Meant for small files: the whole content is held in memory. Never changes anything.`,
		Params:    []module.Param{{Name: "src", Type: module.Path, Required: true, Aliases: []string{"path"}, Doc: "The file to read."}},
		CheckMode: true,
		Examples: `- slurp:
    src: /etc/machine-id
  register: mid

- debug:
    msg: "{{ mid.content | b64decode }}"`,
		Returns: []module.ReturnValue{
			{Name: "content", Type: module.Str, Doc: "The content, base64-encoded."},
			{Name: "encoding", Type: module.Str, Doc: `Always "base64".`},
			{Name: "source", Type: module.Str, Doc: "The path read."},
		},
	}
}

// Run reads the file.
func (Slurp) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	src := a.String("src")
	st, err := remotefile.Gather(ctx, t.Conn, src, remotefile.GatherOpts{Follow: true, MaxContent: maxInline})
	if err != nil {
		return module.Result{}, err
	}
	switch {
	case !st.Exists:
		return failed(fmt.Sprintf("file not found: %s", src), nil), nil
	case st.Type == remotefile.TypeDirectory:
		return failed(fmt.Sprintf("source is a directory and must be a file: %s", src), nil), nil
	case !st.Readable:
		return failed(fmt.Sprintf("file is not readable: %s", src), nil), nil
	}
	content := st.Content
	if !st.HasContent {
		var b bytes.Buffer
		if err := t.Conn.Get(ctx, st.Resolved, &b); err != nil {
			return failed(fmt.Sprintf("unable to slurp file: %v", err), nil), nil
		}
		content = b.Bytes()
	}
	return module.Result{Data: map[string]any{
		"content": base64.StdEncoding.EncodeToString(content), "encoding": "base64", "source": src,
	}}, nil
}
