package config

// Template is the commented starting file `secctx-lint init` writes. It
// parses as is (a test makes sure) and judges what the command line's
// default does, until its comments are turned into settings.
const Template = `# secctx-lint configuration: https://github.com/secctx-lint/secctx-lint/blob/main/docs/configuration.md
# Names are Azure's: initiatives, policies (by secctx-lint rule id, Azure
# reference id or definition GUID), parameters (allowedCapabilities,
# runAsUserRule, allowedHostPaths, ...). ` + "`secctx-lint policies`" + ` lists them all
# with their defaults.

# Namespace of objects without metadata.namespace (what kubectl -n or Helm
# would use). --namespace overrides it.
namespace: default

# Values the fixer writes where a policy needs an ID that is missing. They
# must satisfy the ranges of the initiatives you assign.
fix:
  runAsUser: 1000
  runAsGroup: 3000
  fsGroup: 2000
  supplementalGroups: [2000]

# Custom initiatives, usually a built-in (restricted, baseline, mcsb,
# aks-safeguards) with a few changes, as you would duplicate one in the
# Azure portal.
initiatives:
  # ingress:
  #   from: restricted
  #   remove: [AllowedSeccompProfiles]
  #   policies:
  #     ContainerCapabilities:            # a reference id of the initiative
  #       allowedCapabilities: [NET_BIND_SERVICE]
  #     users-groups:                     # or a rule id
  #       runAsUserRule: MustRunAs
  #       runAsUserRanges: {ranges: [{min: 101, max: 101}]}
  #     readonly-root-filesystem: {}      # adds a policy (newest version)
  #     privilege-escalation:
  #       version: "8"                    # or pin a major version
  #       forcePrivilegeEscalationToBeFalse: true

# What to judge with: each assignment applies an initiative with an effect
# (Audit, Deny or Disabled) to a scope. A workload is judged by every
# assignment whose scope holds it. Without assignments, --initiative
# (restricted by default) is assigned with Audit.
assignments:
  - initiative: restricted
    effect: Audit
    # namespaces: []                     # only these (prefix* allowed); empty means all
    # excludedNamespaces: [kube-system, gatekeeper-system, azure-arc, azure-extensions-usage-system]
    # excludedContainers: [istio-proxy]
    # excludedImages: [mcr.microsoft.com/oss/*]
    # labelSelector:
    #   matchLabels: {team: payments}
    # parameters:                        # like the initiative's parameters in Azure
    #   allowedCapabilities: []
  # - initiative: ingress
  #   effect: Deny
  #   namespaces: [ingress-nginx]
`
