package safeguard

// Role is what an account or API token may do. The set is fixed by DESIGN.md.
type Role string

// The roles, exactly as DESIGN.md lists them.
const (
	RoleAdmin        Role = "admin"
	RoleCoordinator  Role = "coordinator"
	RoleAnalyst      Role = "analyst"
	RoleSupervisor   Role = "supervisor"
	RoleInvestigator Role = "investigator"
	RoleAuditor      Role = "auditor"
)

// Roles lists every role in display order.
var Roles = []Role{RoleAdmin, RoleCoordinator, RoleAnalyst, RoleSupervisor, RoleInvestigator, RoleAuditor}

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool {
	for _, v := range Roles {
		if r == v {
			return true
		}
	}
	return false
}

// ForceScoped reports whether the role belongs to one police force and may
// only see that force's subjects and packages.
func (r Role) ForceScoped() bool {
	return r == RoleSupervisor || r == RoleInvestigator
}

// Permission names one thing a role may do.
type Permission string

// Permissions checked by the services.
const (
	PermManageUsers     Permission = "manage_users"     // users, tokens, forces, keys
	PermManagePolicies  Permission = "manage_policies"  // risk policies
	PermReadAudit       Permission = "read_audit"       // the audit log
	PermReadPersonal    Permission = "read_personal"    // subjects, referrals, identifiers
	PermIntake          Permission = "intake"           // ingest referrals
	PermAssess          Permission = "assess"           // attribution, linking, assessment
	PermManageBanks     Permission = "manage_banks"     // import/export hash banks
	PermMatch           Permission = "match"            // hash lookups against banks
	PermManageOps       Permission = "manage_ops"       // operations, sending packages
	PermRecordActions   Permission = "record_actions"   // warrants, arrests, safeguarding
	PermAcceptPackages  Permission = "accept_packages"  // accept or return a package
	PermAllocate        Permission = "allocate"         // allocate within a force
	PermReadReports     Permission = "read_reports"     // aggregate reports, no personal data
	PermReadOperational Permission = "read_operational" // operations and packages
	// PermOverrideWarrant lets a force supervisor record a warrant action
	// for a subject whose attribution is not corroborated, with a reason.
	PermOverrideWarrant Permission = "override_warrant"
	// PermOverrideBand lets a supervisor change a subject's risk band with
	// a reason: a force supervisor for their force's subjects, the national
	// coordinator for the national queue.
	PermOverrideBand Permission = "override_band"
)

var rolePerms = map[Role][]Permission{
	RoleAdmin:        {PermManageUsers, PermManagePolicies, PermReadAudit, PermManageBanks, PermReadReports},
	RoleCoordinator:  {PermReadPersonal, PermIntake, PermAssess, PermManageBanks, PermMatch, PermManageOps, PermRecordActions, PermAcceptPackages, PermAllocate, PermReadReports, PermReadOperational, PermOverrideBand},
	RoleAnalyst:      {PermReadPersonal, PermIntake, PermAssess, PermMatch, PermReadReports, PermReadOperational},
	RoleSupervisor:   {PermReadPersonal, PermMatch, PermRecordActions, PermAcceptPackages, PermAllocate, PermReadOperational, PermOverrideWarrant, PermOverrideBand},
	RoleInvestigator: {PermReadPersonal, PermMatch, PermRecordActions, PermReadOperational},
	RoleAuditor:      {PermReadAudit, PermReadReports},
}

// Can reports whether the role has the permission.
func (r Role) Can(p Permission) bool {
	for _, v := range rolePerms[r] {
		if v == p {
			return true
		}
	}
	return false
}
