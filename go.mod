module github.com/hactl/hactl

go 1.26
