package safeguard

import "time"

// Kinds of fact source.
const (
	FactFromReferral   = "referral"    // derived from a referral; Ref is its reference
	FactFromScanReport = "scan_report" // from a scan report; Ref is its id
	FactFromAnalyst    = "analyst"     // recorded by an analyst; By names them
)

// FactSource says where one fact came from and when it was recorded, so an
// assessment can say why ("works as a scout leader (referral R-1, analyst
// entry by A. Analyst)").
type FactSource struct {
	Kind string    `json:"kind"`          // referral, scan_report or analyst
	Ref  string    `json:"ref,omitempty"` // the referral reference or scan report id
	By   string    `json:"by,omitempty"`  // who made an analyst entry
	At   time.Time `json:"at"`
}

// BoolFact is a yes/no fact with its sources. A nil *BoolFact is unknown,
// which is not the same as a recorded false.
type BoolFact struct {
	Value   bool         `json:"value"`
	Sources []FactSource `json:"sources"`
}

// CountFact is a count (files, convictions, trades) with its sources.
type CountFact struct {
	Value   int64        `json:"value"`
	Sources []FactSource `json:"sources"`
}

// TextFact is a word from a fixed or configured vocabulary (an occupation,
// an attribution status) with its sources.
type TextFact struct {
	Value   string       `json:"value"`
	Sources []FactSource `json:"sources"`
}

// Facts is what is known about one subject for a risk assessment, in the
// phases of the UK structured tools. Every fact carries its sources; a
// missing fact is unknown. The store builds Facts from referrals, scan
// reports and analyst entries; the risk package assesses them.
type Facts struct {
	Subject          string            `json:"subject,omitempty"` // pseudonymous reference, for reports only
	AccessToChildren AccessFacts       `json:"access_to_children"`
	History          HistoryFacts      `json:"history"`
	CurrentBehaviour BehaviourFacts    `json:"current_behaviour"`
	Material         MaterialFacts     `json:"material"`
	Other            OtherFactorsFacts `json:"other"`
}

// AccessFacts is the subject's access to children. Occupations are words
// such as teacher or scout_leader; the policy says which of them give access.
type AccessFacts struct {
	ChildrenInHousehold        *BoolFact  `json:"children_in_household,omitempty"`
	Occupations                []TextFact `json:"occupation,omitempty"` // occupations and volunteering
	FamilyOrNeighboursChildren *BoolFact  `json:"family_or_neighbours_children,omitempty"`
}

// HistoryFacts is previous behaviour.
type HistoryFacts struct {
	PriorContactSexualOffence   *BoolFact  `json:"prior_contact_sexual_offence,omitempty"`
	PriorIIOCConviction         *BoolFact  `json:"prior_iioc_conviction,omitempty"` // indecent images of children
	OtherConvictions            *CountFact `json:"other_convictions,omitempty"`
	FailureOnConditionalRelease *BoolFact  `json:"failure_on_conditional_release,omitempty"`
	OnSexOffenderRegister       *BoolFact  `json:"on_sex_offender_register,omitempty"`
}

// BehaviourFacts is current behaviour.
type BehaviourFacts struct {
	OnlineEnticement       *BoolFact  `json:"online_enticement,omitempty"` // enticement or grooming of a child
	SexualCommunication    *BoolFact  `json:"sexual_communication_with_child,omitempty"`
	Sextortion             *BoolFact  `json:"sextortion,omitempty"`
	Production             *BoolFact  `json:"production,omitempty"`
	PossibleSelfProduction *BoolFact  `json:"possible_self_production,omitempty"` // CyberTipline possibleSelfProduction: possibly made by the child shown
	FilesNotInAnyBank      *CountFact `json:"files_not_in_any_bank,omitempty"`    // possibly new material
	Distribution           *BoolFact  `json:"distribution,omitempty"`
	Possession             *BoolFact  `json:"possession,omitempty"`
	P2PTradingVolume       *CountFact `json:"p2p_trading_volume,omitempty"` // files traded peer-to-peer
}

// MaterialFacts is counts of files by category, from matched files and scan
// reports. UK and Project VIC counts are kept apart: there is no published
// crosswalk between the schemes. Annotation counts are files (or reports)
// carrying the NCMEC annotation.
type MaterialFacts struct {
	UKA                        *CountFact `json:"uk_a,omitempty"`
	UKB                        *CountFact `json:"uk_b,omitempty"`
	UKC                        *CountFact `json:"uk_c,omitempty"`
	VIC1                       *CountFact `json:"vic_1,omitempty"`
	VIC2                       *CountFact `json:"vic_2,omitempty"`
	VIC3                       *CountFact `json:"vic_3,omitempty"`
	TotalFiles                 *CountFact `json:"total_files,omitempty"`
	IndustryA1                 *CountFact `json:"industry_a1,omitempty"`
	IndustryA2                 *CountFact `json:"industry_a2,omitempty"`
	IndustryB1                 *CountFact `json:"industry_b1,omitempty"`
	IndustryB2                 *CountFact `json:"industry_b2,omitempty"`
	PotentialMeme              *CountFact `json:"potential_meme,omitempty"`
	Viral                      *CountFact `json:"viral,omitempty"`
	PhysicalHarm               *CountFact `json:"physical_harm,omitempty"`
	Infant                     *CountFact `json:"infant,omitempty"`
	SadisticOnlineExploitation *CountFact `json:"sadistic_online_exploitation,omitempty"`
}

// OtherFactorsFacts is the other factors: how many referrals make up the
// subject, how strongly they are attributed, and the structured tools'
// other factors.
type OtherFactorsFacts struct {
	Referrals       *CountFact `json:"referrals,omitempty"`
	Attribution     *TextFact  `json:"attribution,omitempty"` // confirmed, corroborated, ambiguous or unresolved
	DomesticAbuse   *BoolFact  `json:"domestic_abuse,omitempty"`
	SubstanceMisuse *BoolFact  `json:"substance_misuse,omitempty"`
}
