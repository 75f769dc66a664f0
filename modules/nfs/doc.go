// Package nfs holds the nfs_export module: one NFS export declared per
// task, served by the kernel server (a managed file in /etc/exports.d and
// exportfs -ra), by nfs-ganesha (a managed EXPORT block, added and removed
// live over D-Bus) or by Pacemaker (ocf:heartbeat:exportfs primitives).
package nfs
