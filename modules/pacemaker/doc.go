// Package pacemaker holds the Pacemaker/Corosync modules: pcs_cluster
// (cluster lifecycle over pcs), pacemaker_resource and
// pacemaker_constraint (CIB objects compared semantically with the live
// CIB and changed with one cibadmin call per cluster).
package pacemaker
