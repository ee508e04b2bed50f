package policy

// Presets besides the two pod security initiatives: the assignments users
// meet in practice. Their members and values come from the reference notes
// (section 3.3) and, for AKS deployment safeguards, from Azure's own
// AKS_Safeguards.json (a test in package azure compares them).

// NotJudged is a member of an initiative that secctx-lint does not judge.
type NotJudged struct {
	ReferenceID  string
	DefinitionID string
	DisplayName  string
	Reason       string
}

func unbounded() map[string]any {
	return map[string]any{"ranges": []any{map[string]any{"min": 1, "max": -1}}}
}

// MCSBExcludedNamespaces are the namespaces Defender for Cloud's assignment
// of the Microsoft cloud security benchmark leaves out: Azure's four and
// Defender's own.
var MCSBExcludedNamespaces = append(append([]string{}, DefaultExcludedNamespaces...), "azuredefender", "mdc")

var presets = map[string]*Initiative{
	"mcsb": {
		Name: "mcsb", ID: "1f3afdf9-d0c9-4c3d-847f-89da613e70a8", Version: "57.56.0",
		DisplayName:        "Microsoft cloud security benchmark (the Kubernetes policies Defender for Cloud assigns)",
		ExcludedNamespaces: MCSBExcludedNamespaces,
		Members: []Member{
			{ReferenceID: "privilegedContainers", Definition: mustLookup("privileged-containers", "9")},
			{ReferenceID: "allowedUsersGroups", Definition: mustLookup("users-groups", "6"),
				Values: map[string]any{
					"runAsUserRule": "MustRunAsNonRoot", "runAsUserRanges": ranges(),
					"runAsGroupRule": "MustRunAs", "runAsGroupRanges": unbounded(),
					"supplementalGroupsRule": "MayRunAs", "supplementalGroupsRanges": unbounded(),
					"fsGroupRule": "MayRunAs", "fsGroupRanges": unbounded(),
				}},
			{ReferenceID: "noPrivilegeEscalation", Definition: mustLookup("privilege-escalation", "7")},
			{ReferenceID: "blockHostNamespace", Definition: mustLookup("host-namespaces", "5")},
			{ReferenceID: "readOnlyRootFileSystem", Definition: mustLookup("readonly-root-filesystem", "6")},
			{ReferenceID: "allowedCapabilities", Definition: mustLookup("capabilities", "6"),
				Values: map[string]any{"allowedCapabilities": []any{}, "requiredDropCapabilities": []any{}}},
			{ReferenceID: "enforceAppArmorProfile", Definition: mustLookup("apparmor", "6"),
				Values: map[string]any{"allowedProfiles": []any{"runtime/default"}}},
			{ReferenceID: "hostNetworkPorts", Definition: mustLookup("host-network-ports", "6"),
				Values: map[string]any{"allowHostNetwork": false, "minPort": 0, "maxPort": 0}},
			{ReferenceID: "allowedHostPaths", Definition: mustLookup("host-paths", "6"),
				Values: map[string]any{"allowedHostPaths": map[string]any{"paths": []any{}}}},
			{ReferenceID: "blockAutomountToken", Definition: mustLookup("automount-token", "4")},
			{ReferenceID: "disallowSysAdminCapability", Definition: mustLookup("sys-admin-capability", "5")},
		},
		NotJudged: []NotJudged{
			{ReferenceID: "blockDefaultNamespace", DefinitionID: "9f061a12-e40d-4183-a00e-171812443373",
				DisplayName: "Kubernetes clusters should not use the default namespace",
				Reason:      "judges where objects are deployed, not how pods run; use --namespace and your deploy tooling"},
		},
	},
	"aks-safeguards": {
		Name: "aks-safeguards", ID: "c047ea8e-9c78-49b2-958b-37e56d291a44", Version: "3.0.0",
		DisplayName:        "Deployment safeguards should help guide developers towards AKS recommended best practices",
		ExcludedNamespaces: []string{"kube-system", "gatekeeper-system", "azure-arc"},
		Members: []Member{
			{ReferenceID: "blockHostNamespaces", Definition: mustLookup("host-namespaces", "6")},
			{ReferenceID: "hostNetworkPorts", Definition: mustLookup("host-network-ports", "7"),
				Values: map[string]any{"allowedHostPorts": []any{}}},
			{ReferenceID: "allowedUsersGroups", Definition: mustLookup("users-groups", "6"),
				Values: map[string]any{"runAsUserRule": "MustRunAsNonRoot", "runAsUserRanges": ranges(),
					"excludedContainers": []any{}, "excludedImages": []any{}}},
			{ReferenceID: "containerNoPrivilegeEscalation", Definition: mustLookup("privilege-escalation", "8"),
				Values: map[string]any{"forcePrivilegeEscalationToBeFalse": false,
					"excludedContainers": []any{}, "excludedImages": []any{}}},
			{ReferenceID: "allowedHostPaths", Definition: mustLookup("host-paths", "6"),
				Values: map[string]any{"allowedHostPaths": map[string]any{"paths": []any{}}, "windowsAllowedHostPaths": map[string]any{"paths": []any{}},
					"excludedContainers": []any{}, "excludedImages": []any{}}},
			{ReferenceID: "enforceAppArmorProfile", Definition: mustLookup("apparmor", "6"),
				Values: map[string]any{"allowedProfiles": []any{"runtime/default"},
					"excludedContainers": []any{}, "excludedImages": []any{}}},
			{ReferenceID: "enforceSELinux", Definition: mustLookup("selinux", "8"),
				Values: map[string]any{"enforcePSS": true, "excludedImages": []any{}}},
			{ReferenceID: "privilegedContainers", Definition: mustLookup("privileged-containers", "9"),
				Values: map[string]any{"excludedContainers": []any{}, "excludedImages": []any{}}},
			{ReferenceID: "allowedProcMountType", Definition: mustLookup("proc-mount", "8"),
				Values: map[string]any{"excludedContainers": []any{}, "excludedImages": []any{}}},
			{ReferenceID: "containerAllowedCapabilities", Definition: mustLookup("capabilities", "6"),
				Values: map[string]any{"allowedCapabilities": []any{}, "requiredDropCapabilities": []any{},
					"excludedContainers": []any{}, "excludedImages": []any{}}},
			{ReferenceID: "allowedSeccompProfiles", Definition: mustLookup("seccomp", "7"),
				Values: map[string]any{"allowedProfiles": []any{"RuntimeDefault", "Localhost"},
					"excludedContainers": []any{}, "excludedImages": []any{}}},
			{ReferenceID: "allowedVolumeTypes", Definition: mustLookup("volume-types", "5"),
				Values: map[string]any{"allowedVolumeTypes": []any{}, "excludedImages": []any{}}},
			{ReferenceID: "allowedSysctls", Definition: mustLookup("allowed-sysctls", "1"),
				Values: map[string]any{"allowedSysctls": []any{"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
					"net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
					"net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
					"net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"}}},
			{ReferenceID: "windowsBlockContainerAdmin", Definition: mustLookup("windows-container-admin", "1"),
				Values: map[string]any{"excludedImages": []any{}}},
		},
		NotJudged: []NotJudged{
			{ReferenceID: "restrictedNodeEditsInKubernetesCluster", DefinitionID: "53a4a537-990c-495a-92e0-7c21a465442c", Reason: "not a pod security policy"},
			{ReferenceID: "containerResourceRequests", DefinitionID: "03a4ecdb-0684-4039-be91-2762979e1bc8", Reason: "not a pod security policy"},
			{ReferenceID: "podEnforceAntiaffinityInKubernetesCluster", DefinitionID: "34c88cd4-5d72-4dbb-bf77-12c3cafe8791", Reason: "not a pod security policy"},
			{ReferenceID: "restrictedLabelsInKubernetesCluster", DefinitionID: "a22123bd-b9da-4c86-9424-24903e91fd55", Reason: "not a pod security policy"},
			{ReferenceID: "ensureAllowedContainerImagesInKubernetesCluster", DefinitionID: "febd0533-8e55-448f-b837-bd0e06f16469", Reason: "not a pod security policy"},
			{ReferenceID: "restrictedTaintsInKubernetesCluster", DefinitionID: "48940d92-ff05-449e-9111-e742d9280451", Reason: "not a pod security policy"},
			{ReferenceID: "ensureProbesConfiguredInKubernetesCluster", DefinitionID: "b1a9997f-2883-4f12-bdff-2280f99b5915", Reason: "not a pod security policy"},
			{ReferenceID: "ensureCsiDriverStorageClass", DefinitionID: "4f3823b6-6dac-4b5a-9c61-ce1afb829f17", Reason: "not a pod security policy"},
			{ReferenceID: "uniqueServiceSelectors", DefinitionID: "b0fdedee-7b9e-4a17-9f5d-5e8e912d2f01", Reason: "not a pod security policy"},
			{ReferenceID: "imagesDoNotUseLatest", DefinitionID: "021f8078-41a0-40e6-81b6-c6597da9f3ee", Reason: "not a pod security policy"},
			{ReferenceID: "mutateReservedSystemPoolTaints", DefinitionID: "e16d171b-bfe5-4d79-a525-19736b396e92", Reason: "a mutation, not a verdict"},
			{ReferenceID: "printMutationsAnnotations", DefinitionID: "e24df237-32cb-4a6c-a2f6-85b499cda9f2", Reason: "a mutation, not a verdict"},
			{ReferenceID: "windowsBlockHostProcess", DefinitionID: "077f0ce1-86d6-4058-bc60-de05067e8622", Reason: "Windows policy, not judged"},
		},
	},
}

func init() {
	for name, in := range presets {
		builtins[name] = in
	}
}

// DefaultExcludedNamespaces returns the initiative's default namespace exclusions.
func (in *Initiative) DefaultExcludedNamespaces() []string {
	if in.ExcludedNamespaces != nil {
		return in.ExcludedNamespaces
	}
	return DefaultExcludedNamespaces
}

// Clone copies the initiative so that a derived one can change members
// and values without touching the original.
func (in *Initiative) Clone(name string) *Initiative {
	out := *in
	out.Name = name
	out.Members = make([]Member, len(in.Members))
	for i, m := range in.Members {
		vals := make(map[string]any, len(m.Values))
		for k, v := range m.Values {
			vals[k] = v
		}
		m.Values = vals
		out.Members[i] = m
	}
	out.NotJudged = append([]NotJudged(nil), in.NotJudged...)
	out.ExcludedNamespaces = append([]string(nil), in.ExcludedNamespaces...)
	if in.ExcludedNamespaces == nil {
		out.ExcludedNamespaces = nil
	}
	return &out
}
