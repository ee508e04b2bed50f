package policy

import (
	"fmt"
	"sort"
	"strings"
)

// The definitions below are copied from Azure's built-in definition files
// (conformance/azure-policy/builtin in the shared data; a test compares them)
// and, for the older majors the initiatives pin, from the reference notes.

var pssCapabilities = []any{"CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"}

func ranges() map[string]any { return map[string]any{"ranges": []any{}} }

var groupRules = []string{"MustRunAs", "MayRunAs", "RunAsAny"}

// Definitions lists every definition version secctx-lint knows.
var Definitions = []*Definition{
	{
		Rule: "privileged-containers", ID: "95edb821-ddaf-4404-9732-666045e056b4", Version: "9.2.0",
		DisplayName:   "Kubernetes cluster should not allow privileged containers",
		Template:      "K8sAzureV2NoPrivilege",
		DefaultEffect: Deny, ExcludedContainers: true, ExcludedImages: true,
	},
	{
		Rule: "privilege-escalation", ID: "1c6e92c9-99f0-4e55-9cf2-0c234dc48f99", Version: "7.2.0",
		DisplayName:   "Kubernetes clusters should not allow container privilege escalation",
		Template:      "K8sAzureV3NoPrivilegeEscalation",
		DefaultEffect: Audit, ExcludedContainers: true, ExcludedImages: true,
	},
	{
		Rule: "privilege-escalation", ID: "1c6e92c9-99f0-4e55-9cf2-0c234dc48f99", Version: "8.0.0",
		DisplayName:   "Kubernetes clusters should not allow container privilege escalation",
		Template:      "K8sAzureV4NoPrivilegeEscalation",
		DefaultEffect: Audit, ExcludedContainers: true, ExcludedImages: true,
		Params: []Param{{Name: "forcePrivilegeEscalationToBeFalse", Type: "Boolean", Default: false,
			Help: "require allowPrivilegeEscalation: false regardless of runAsUser (PSS restricted)"}},
	},
	{
		Rule: "host-network-ports", ID: "82985f06-dc18-4a48-bc1c-b9f4f0098cfe", Version: "6.2.0",
		DisplayName:   "Kubernetes cluster pods should only use approved host network and port range",
		Template:      "K8sAzureV3HostNetworkingPorts",
		DefaultEffect: Audit, ExcludedContainers: true, ExcludedImages: true,
		Params: []Param{
			{Name: "allowHostNetwork", Type: "Boolean", Default: false, Help: "allow pods to use the host network"},
			{Name: "minPort", Type: "Integer", Default: 0, Help: "lowest allowed hostPort"},
			{Name: "maxPort", Type: "Integer", Default: 0, Help: "highest allowed hostPort"},
		},
	},
	{
		Rule: "host-network-ports", ID: "82985f06-dc18-4a48-bc1c-b9f4f0098cfe", Version: "7.0.0",
		DisplayName:   "Kubernetes cluster pods should only use approved host network and port list",
		Template:      "K8sAzureV4HostNetworkingPorts",
		DefaultEffect: Audit, ExcludedImages: true,
		Params: []Param{
			{Name: "allowHostNetwork", Type: "Boolean", Default: false, Help: "allow pods to use the host network"},
			{Name: "allowedHostPorts", Type: "Array", Default: []any{}, Help: `allowed hostPorts: "80" or ranges "3000-5000"; empty allows none`},
		},
	},
	{
		Rule: "host-namespaces", ID: "47a1ee2f-2a2a-4576-bf2a-e0e36709c2b8", Version: "5.2.0",
		DisplayName:   "Kubernetes cluster containers should not share host process ID or host IPC namespace",
		Template:      "K8sAzureV2BlockHostNamespace",
		DefaultEffect: Audit, ExcludedImages: true,
	},
	{
		Rule: "host-namespaces", ID: "47a1ee2f-2a2a-4576-bf2a-e0e36709c2b8", Version: "6.0.0",
		DisplayName:   "Kubernetes cluster containers should not share host namespaces",
		Template:      "K8sAzureV3BlockHostNamespace",
		DefaultEffect: Audit, ExcludedImages: true,
	},
	{
		Rule: "host-paths", ID: "098fc59e-46c7-4d99-9b16-64990e543d75", Version: "6.3.0",
		DisplayName:    "Kubernetes cluster pod hostPath volumes should only use allowed host paths",
		Template:       "K8sAzureV4HostFilesystem",
		OlderTemplates: []string{"K8sAzureV3HostFilesystem"},
		DefaultEffect:  Audit, ExcludedContainers: true, ExcludedImages: true,
		Params: []Param{
			{Name: "allowedHostPaths", Type: "Object", Default: map[string]any{"paths": []any{}}, Help: `{"paths": [{"pathPrefix": "/foo", "readOnly": true}]}; empty blocks every hostPath`},
			{Name: "windowsAllowedHostPaths", Type: "Object", Default: map[string]any{"paths": []any{}}, Help: "the same for Windows pods"},
		},
		Values: map[string]string{"allowedHostPaths": "allowedHostPaths.paths", "windowsAllowedHostPaths": "windowsAllowedHostPaths.paths"},
	},
	{
		Rule: "users-groups", ID: "f06ddb64-5fa3-4b77-b166-acb36f7f6042", Version: "6.2.0",
		DisplayName:   "Kubernetes cluster pods and containers should only run with approved user and group IDs",
		Template:      "K8sAzureV3AllowedUsersGroups",
		DefaultEffect: Audit, ExcludedContainers: true, ExcludedImages: true,
		Params: []Param{
			{Name: "runAsUserRule", Type: "String", Default: "MustRunAsNonRoot", Allowed: []string{"MustRunAs", "MustRunAsNonRoot", "RunAsAny"}},
			{Name: "runAsUserRanges", Type: "Object", Default: ranges(), Help: `{"ranges": [{"min": 1, "max": 65535}]}; max -1 means no upper bound`},
			{Name: "runAsGroupRule", Type: "String", Default: "RunAsAny", Allowed: groupRules},
			{Name: "runAsGroupRanges", Type: "Object", Default: ranges()},
			{Name: "supplementalGroupsRule", Type: "String", Default: "RunAsAny", Allowed: groupRules},
			{Name: "supplementalGroupsRanges", Type: "Object", Default: ranges()},
			{Name: "fsGroupRule", Type: "String", Default: "RunAsAny", Allowed: groupRules},
			{Name: "fsGroupRanges", Type: "Object", Default: ranges()},
		},
		Values: map[string]string{
			"runAsUser.rule": "runAsUserRule", "runAsUser.ranges": "runAsUserRanges.ranges",
			"runAsGroup.rule": "runAsGroupRule", "runAsGroup.ranges": "runAsGroupRanges.ranges",
			"supplementalGroups.rule": "supplementalGroupsRule", "supplementalGroups.ranges": "supplementalGroupsRanges.ranges",
			"fsGroup.rule": "fsGroupRule", "fsGroup.ranges": "fsGroupRanges.ranges",
		},
	},
	{
		Rule: "volume-types", ID: "16697877-1118-4fb1-9b65-9898ec2509ec", Version: "5.2.0",
		DisplayName:   "Kubernetes cluster pods should only use allowed volume types",
		Template:      "K8sAzureV2VolumeTypes",
		DefaultEffect: Audit, ExcludedImages: true,
		Params: []Param{{Name: "allowedVolumeTypes", Type: "Array", Default: []any{}, Help: `volume types allowed; "*" allows all, empty blocks all`}},
		Values: map[string]string{"volumes": "allowedVolumeTypes"},
	},
	{
		Rule: "flexvolume-drivers", ID: "f4a8fce0-2dd5-4c21-9a36-8f0ec809d663", Version: "5.2.0",
		DisplayName:   "Kubernetes cluster pod FlexVolume volumes should only use allowed drivers",
		Template:      "K8sAzureV1FlexVolumes",
		DefaultEffect: Audit,
		Params:        []Param{{Name: "allowedFlexVolumeDrivers", Type: "Array", Default: []any{}, Help: "allowed FlexVolume driver names"}},
	},
	{
		Rule: "readonly-root-filesystem", ID: "df49d893-a74c-421d-bc95-c663042e5b80", Version: "6.3.0",
		DisplayName:   "Kubernetes cluster containers should run with a read only root file system",
		Template:      "K8sAzureV3ReadOnlyRootFilesystem",
		DefaultEffect: Audit, ExcludedContainers: true, ExcludedImages: true,
	},
	{
		Rule: "capabilities", ID: "c26596ff-4d70-4e6a-9a30-c2506bd2f80c", Version: "6.2.0",
		DisplayName:   "Kubernetes cluster containers should only use allowed capabilities",
		Template:      "K8sAzureV3AllowedCapabilities",
		DefaultEffect: Audit, ExcludedContainers: true, ExcludedImages: true,
		Params: []Param{
			{Name: "allowedCapabilities", Type: "Array", Default: []any{}, Help: `capabilities containers may add; "*" allows all`},
			{Name: "requiredDropCapabilities", Type: "Array", Default: []any{}, Help: "capabilities containers must drop"},
		},
	},
	{
		Rule: "proc-mount", ID: "f85eb0dd-92ee-40e9-8a76-db25a507d6d3", Version: "8.2.0",
		DisplayName:   "Kubernetes cluster containers should only use allowed ProcMountType",
		Template:      "K8sAzureV4ProcMount",
		DefaultEffect: Audit, ExcludedContainers: true, ExcludedImages: true,
		Params: []Param{{Name: "procMountType", Type: "String", Default: "Default", Allowed: []string{"Unmasked", "Default"}}},
		Values: map[string]string{"procMount": "procMountType"},
	},
	{
		Rule: "seccomp", ID: "975ce327-682c-4f2e-aa46-b9598289b86c", Version: "7.2.0",
		DisplayName:   "Kubernetes cluster containers should only use allowed seccomp profiles",
		Template:      "K8sAzureV3AllowedSeccomp",
		DefaultEffect: Audit, ExcludedContainers: true, ExcludedImages: true,
		Params: []Param{{Name: "allowedProfiles", Type: "Array", Default: []any{}, Help: `e.g. runtime/default, docker/default, localhost/*; "*" allows all, empty blocks all`}},
	},
	{
		Rule: "selinux", ID: "e1e6c427-07d9-46ab-9689-bfa85431e636", Version: "7.2.0",
		DisplayName:   "Kubernetes cluster pods and containers should only use allowed SELinux options",
		Template:      "K8sAzureV2SELinux",
		DefaultEffect: Audit, ExcludedImages: true,
		Params: []Param{{Name: "allowedSELinuxOptions", Type: "Object", Default: map[string]any{"options": []any{}}, Help: `{"options": [{"level", "role", "type", "user"}]}`}},
		Values: map[string]string{"allowedSELinuxOptions": "allowedSELinuxOptions.options"},
	},
	{
		Rule: "selinux", ID: "e1e6c427-07d9-46ab-9689-bfa85431e636", Version: "8.0.0",
		DisplayName:   "Kubernetes cluster pods and containers should follow SELinux security standards",
		Template:      "K8sAzureV3SELinux",
		DefaultEffect: Audit, ExcludedImages: true,
		Params: []Param{
			{Name: "enforcePSS", Type: "Boolean", Default: false, Help: "apply the PSS rule (no user or role; type from allowedSELinuxTypes)"},
			{Name: "allowedSELinuxTypes", Type: "Array", Default: []any{"container_t", "container_init_t", "container_kvm_t", "container_engine_t"}},
			{Name: "allowedSELinuxOptions", Type: "Object", Default: map[string]any{"options": []any{}}},
		},
		Values: map[string]string{"allowedSELinuxOptions": "allowedSELinuxOptions.options"},
	},
	{
		Rule: "forbidden-sysctls", ID: "56d0a13f-712f-466b-8416-56fb354fb823", Version: "7.2.0",
		DisplayName:   "Kubernetes cluster containers should not use forbidden sysctl interfaces",
		Template:      "K8sAzureV1ForbiddenSysctls",
		DefaultEffect: Audit,
		Params:        []Param{{Name: "forbiddenSysctls", Type: "Array", Required: true, Help: `sysctl names, prefix* patterns, or "*"`}},
	},
	{
		Rule: "apparmor", ID: "511f5417-5d12-434d-ab2e-816901e72a5e", Version: "6.2.1",
		DisplayName:   "Kubernetes cluster containers should only use allowed AppArmor profiles",
		Template:      "K8sAzureV3EnforceAppArmor",
		DefaultEffect: Audit, ExcludedContainers: true, ExcludedImages: true,
		Params: []Param{{Name: "allowedProfiles", Type: "Array", Default: []any{"runtime/default"}, Help: "annotation-style profile names; localhost/* allows every localhost profile"}},
	},
	// Built-ins outside the pod security initiatives, selectable in custom
	// initiatives and through --constraint.
	{
		Rule: "disallowed-capabilities", ID: "a27c700f-8a22-44ec-961c-41625264370b", Version: "5.2.0",
		DisplayName:   "Kubernetes clusters should not use specific security capabilities",
		Template:      "K8sAzureV3DisallowedCapabilities",
		DefaultEffect: Audit, ExcludedContainers: true, ExcludedImages: true,
		Params: []Param{{Name: "disallowedCapabilities", Type: "Array", Default: []any{}, Help: `capabilities no container may add; "*" fails every container`}},
	},
	{
		// The same template with disallowedCapabilities fixed to SYS_ADMIN
		// by the definition's values block.
		Rule: "sys-admin-capability", ID: "d2e7ea85-6b44-4317-a0be-1b951587f626", Version: "5.1.0",
		DisplayName:   "Kubernetes clusters should not grant CAP_SYS_ADMIN security capabilities",
		Template:      "K8sAzureV3DisallowedCapabilities",
		DefaultEffect: Audit, ExcludedContainers: true, ExcludedImages: true,
	},
	{
		Rule: "allowed-sysctls", ID: "5e5a0673-649e-4d50-bf9d-5a387a4e2081", Version: "1.0.0-preview",
		DisplayName: "[Preview]: Kubernetes cluster containers should use only allowed sysctl interfaces",
		// allowed-sysctl-interfaces/v1; the kind is inferred from Azure's naming.
		Template:      "K8sAzureV1AllowedSysctls",
		DefaultEffect: Audit,
		Params:        []Param{{Name: "allowedSysctls", Type: "Array", Required: true, Help: `sysctl names or prefix* patterns pods may set; "*" allows all`}},
	},
	{
		// Azure publishes this template only as a sample (no built-in
		// definition, so no id); its parameter name is the template's.
		Rule: "disallowed-host-paths", Version: "1.0.0",
		DisplayName:   "Kubernetes cluster pods should not use disallowed host paths (Azure sample template)",
		Template:      "K8sAzureV1DisallowHostFilesystem",
		DefaultEffect: Audit, SampleOnly: true,
		Params: []Param{{Name: "disallowedHostPaths", Type: "Array", Default: []any{}, Help: "host paths no hostPath volume may be, contain or lie below; empty allows all"}},
	},
	{
		Rule: "windows-container-admin", ID: "5485eac0-7e8f-4964-998b-a44f4f0c1e75", Version: "1.2.0",
		DisplayName:   "Kubernetes cluster Windows containers should not run as ContainerAdministrator",
		Template:      "K8sAzureV1WindowsBlockContainerAdmin",
		DefaultEffect: Audit, ExcludedImages: true, SampleOnly: true,
	},
	{
		Rule: "windows-usernames", ID: "57dde185-5c62-4063-b965-afbb201e9c1c", Version: "2.2.0",
		DisplayName:   "Kubernetes cluster Windows containers should only run with approved user and domain user group",
		Template:      "K8sAzureV1WindowsContainerAllowedUsernames",
		DefaultEffect: Audit, ExcludedImages: true, SampleOnly: true,
		Params: []Param{{Name: "allowedUserNames", Type: "Array", Required: true, Help: `runAsUserName values Windows containers may use; DOMAIN\* allows a domain's users`}},
	},
	{
		Rule: "automount-token", ID: "423dd1ba-798e-40e4-9c4d-b6902674b423", Version: "4.2.0",
		DisplayName:   "Kubernetes clusters should disable automounting API credentials",
		Template:      "K8sAzureV2BlockAutomountToken",
		DefaultEffect: Audit, ExcludedImages: true,
	},
}

// Rules lists the rule ids in a stable order.
func Rules() []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range Definitions {
		if !seen[d.Rule] {
			seen[d.Rule] = true
			out = append(out, d.Rule)
		}
	}
	return out
}

// Lookup finds a definition by rule id or GUID and a version pattern: ""
// for the newest, "7" / "7.*.*" / "7.2.0" for a major or an exact version.
func Lookup(ruleOrID, version string) (*Definition, error) {
	// Preview definitions are pinned as "1.*.*-preview".
	version = strings.TrimSuffix(version, "-preview")
	major := strings.TrimSuffix(strings.TrimSuffix(version, ".*.*"), ".*")
	var matches []*Definition
	for _, d := range Definitions {
		if !strings.EqualFold(d.Rule, ruleOrID) && !strings.EqualFold(d.ID, ruleOrID) {
			continue
		}
		if version == "" || d.Version == version || d.Major() == major {
			matches = append(matches, d)
		}
	}
	if len(matches) == 0 {
		return nil, fmt.Errorf("no built-in definition %s at version %q", ruleOrID, version)
	}
	sort.Slice(matches, func(i, j int) bool { return matches[i].Major() > matches[j].Major() })
	return matches[0], nil
}

// ByTemplate finds the definition whose template is the constraint kind.
func ByTemplate(kind string) *Definition {
	for _, d := range Definitions {
		if strings.EqualFold(d.Template, kind) {
			return d
		}
		for _, older := range d.OlderTemplates {
			if strings.EqualFold(older, kind) {
				return d
			}
		}
	}
	return nil
}

// UpstreamKinds maps gatekeeper-library constraint kinds to the rule that
// reads them with upstream semantics.
var UpstreamKinds = map[string]string{
	"K8sPSPPrivilegedContainer":               "privileged-containers",
	"K8sPSPAllowPrivilegeEscalationContainer": "privilege-escalation",
	"K8sPSPHostNetworkingPorts":               "host-network-ports",
	"K8sPSPHostNamespace":                     "host-namespaces",
	"K8sPSPHostFilesystem":                    "host-paths",
	"K8sPSPAllowedUsers":                      "users-groups",
	"K8sPSPFSGroup":                           "users-groups",
	"K8sPSPVolumeTypes":                       "volume-types",
	"K8sPSPFlexVolumes":                       "flexvolume-drivers",
	"K8sPSPReadOnlyRootFilesystem":            "readonly-root-filesystem",
	"K8sPSPCapabilities":                      "capabilities",
	"K8sPSPProcMount":                         "proc-mount",
	"K8sPSPSeccomp":                           "seccomp",
	"K8sPSPSeccompV2":                         "seccomp",
	"K8sPSPSELinuxV2":                         "selinux",
	"K8sPSPForbiddenSysctls":                  "forbidden-sysctls",
	"K8sPSPAppArmor":                          "apparmor",
}
