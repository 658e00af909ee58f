package cybertip

import (
	"safeguard"
)

// Format is the safeguard.Referral Format of a parsed report.
const Format = "cybertip-xml"

// Report is one parsed CyberTipline report: the Referral the rest of
// Safeguard works with, plus the facts the root types have no place for yet.
// Its fields are personal data: never log them.
type Report struct {
	Referral *safeguard.Referral `json:"referral"`

	Incident          DateTime `json:"incident_time"` // incidentDateTime as received
	IncidentTimeNote  string   `json:"incident_time_description,omitempty"`
	EscalationReason  string   `json:"escalation_reason,omitempty"`
	BatchedReason     string   `json:"batched_reason,omitempty"`
	AdditionalInfo    string   `json:"additional_info,omitempty"`
	SourceRefFromHash bool     `json:"source_ref_from_hash"` // SourceRef is "sha256:…": the report id was not known

	Incidents          []Incident      `json:"incidents,omitempty"`
	LawEnforcement     *LawEnforcement `json:"law_enforcement,omitempty"`
	Reporter           *Reporter       `json:"reporter,omitempty"`
	Reported           []Party         `json:"reported,omitempty"`
	IntendedRecipients []Party         `json:"intended_recipients,omitempty"`
	Victims            []Victim        `json:"victims,omitempty"`

	// IPCaptures holds every ipCaptureEvent in the report and its files,
	// with where it was found and the possibleProxy flag. Those of the
	// reported person, the peer-to-peer incident and the files that carry a
	// time are also in Referral.IPEvents.
	IPCaptures []IPCapture `json:"ip_captures,omitempty"`

	// Files are the fileDetails documents attached so far.
	Files []*FileDetails `json:"files,omitempty"`
}

// IPCapture is an ipCaptureEvent with what safeguard.IPEvent cannot hold.
type IPCapture struct {
	safeguard.IPEvent
	PossibleProxy *bool  `json:"possible_proxy,omitempty"`
	Role          string `json:"role"`              // RoleReported, RoleP2P, RoleFile, RoleRecipient, RoleAssociated
	Path          string `json:"path"`              // element path in its document
	FileID        string `json:"file_id,omitempty"` // for RoleFile: the fileDetails it came from
	InReferral    bool   `json:"in_referral"`
}

// IPCapture roles: whose address it is.
const (
	RoleReported   = "reported"           // personOrUserReported
	RoleP2P        = "p2p"                // peer2peerIncident
	RoleFile       = "file"               // fileDetails
	RoleRecipient  = "intended_recipient" // intendedRecipient
	RoleAssociated = "associated_account" // an associatedAccount of the reported person
)

// Incident is one internetDetails entry.
type Incident struct {
	Kind             string    `json:"kind"` // webPage, email, newsgroup, chatIm, onlineGaming, cellPhone, nonInternet, peer2peer
	URLs             []string  `json:"urls,omitempty"`
	ThirdPartyHosted *bool     `json:"third_party_hosted,omitempty"`
	EmailAddresses   []string  `json:"email_addresses,omitempty"`
	Name             string    `json:"name,omitempty"` // newsgroup name
	ChatClient       string    `json:"chat_client,omitempty"`
	ChatRoomName     string    `json:"chat_room_name,omitempty"`
	GameName         string    `json:"game_name,omitempty"`
	Console          string    `json:"console,omitempty"`
	PhoneNumber      string    `json:"phone_number,omitempty"`
	Latitude         string    `json:"latitude,omitempty"`
	Longitude        string    `json:"longitude,omitempty"`
	LocationName     string    `json:"location_name,omitempty"`
	Addresses        []Address `json:"addresses,omitempty"`
	Client           string    `json:"client,omitempty"` // peer-to-peer client
	FileNames        string    `json:"file_names,omitempty"`
	Content          string    `json:"content,omitempty"`
	AdditionalInfo   string    `json:"additional_info,omitempty"`
}

// LawEnforcement is the lawEnforcement element: the report was already
// made to, or asked for by, police.
type LawEnforcement struct {
	AgencyName   string  `json:"agency_name,omitempty"`
	CaseNumber   string  `json:"case_number,omitempty"`
	Officer      *Person `json:"officer,omitempty"`
	ReportedToLE *bool   `json:"reported_to_le,omitempty"`
}

// Reporter is the reporter element: the online service's contact details.
type Reporter struct {
	Person          *Person `json:"person,omitempty"`
	Contact         *Person `json:"contact,omitempty"`
	CompanyTemplate string  `json:"company_template,omitempty"`
	TermsOfService  string  `json:"terms_of_service,omitempty"`
	LegalURL        string  `json:"legal_url,omitempty"`
}

// Person is the schema's person (or contactPerson).
type Person struct {
	FirstName   string    `json:"first_name,omitempty"`
	LastName    string    `json:"last_name,omitempty"`
	Phones      []Phone   `json:"phones,omitempty"`
	Emails      []Email   `json:"emails,omitempty"`
	Addresses   []Address `json:"addresses,omitempty"`
	Age         *int      `json:"age,omitempty"`
	DateOfBirth string    `json:"date_of_birth,omitempty"` // YYYY-MM-DD
}

// Phone is a phone number with its attributes.
type Phone struct {
	Number             string `json:"number"`
	Type               string `json:"type,omitempty"`
	CountryCallingCode string `json:"country_calling_code,omitempty"`
	Extension          string `json:"extension,omitempty"`
	Verified           *bool  `json:"verified,omitempty"`
}

// Email is an e-mail address with its attributes.
type Email struct {
	Address  string `json:"address"`
	Type     string `json:"type,omitempty"`
	Verified *bool  `json:"verified,omitempty"`
}

// Address is a postal address; Type is Home, Business, Billing, Shipping or
// Technical when given.
type Address struct {
	Type    string `json:"type,omitempty"`
	Street  string `json:"street,omitempty"`
	City    string `json:"city,omitempty"`
	ZipCode string `json:"zip_code,omitempty"`
	State   string `json:"state,omitempty"`
	Country string `json:"country,omitempty"`
}

// Party is a personOrUserReported or an intendedRecipient.
type Party struct {
	Person             *Person             `json:"person,omitempty"`
	ESPIdentifier      string              `json:"esp_identifier,omitempty"`
	ESPService         string              `json:"esp_service,omitempty"`
	ScreenName         string              `json:"screen_name,omitempty"`
	DisplayNames       []string            `json:"display_names,omitempty"`
	ProfileURLs        []string            `json:"profile_urls,omitempty"`
	CompromisedAccount *bool               `json:"compromised_account,omitempty"`
	DeviceIDs          []DeviceID          `json:"device_ids,omitempty"`
	PriorCTReports     []string            `json:"prior_ct_reports,omitempty"`
	GroupIdentifier    string              `json:"group_identifier,omitempty"`
	EstimatedLocation  *Location           `json:"estimated_location,omitempty"`
	AssociatedAccounts []AssociatedAccount `json:"associated_accounts,omitempty"`
	AdditionalInfo     []string            `json:"additional_info,omitempty"`
	// Identifiers are this party's own identifiers mapped to safeguard
	// kinds. For the reported person they are also in Referral.Identifiers.
	Identifiers []safeguard.Identifier `json:"identifiers,omitempty"`
}

// DeviceID is a deviceId element.
type DeviceID struct {
	Type      string    `json:"type"`
	Value     string    `json:"value"`
	EventName string    `json:"event_name,omitempty"`
	Time      *DateTime `json:"time,omitempty"`
}

// Location is an estimatedLocation.
type Location struct {
	City        string    `json:"city,omitempty"`
	Region      string    `json:"region,omitempty"`
	CountryCode string    `json:"country_code,omitempty"`
	Verified    *bool     `json:"verified,omitempty"`
	Timestamp   *DateTime `json:"timestamp,omitempty"`
}

// AssociatedAccount is an account the service ties to the reported person:
// Type is Billing, Linked, Business, Creator, Parent/Guardian or Other. Its
// identifiers are not in Referral.Identifiers: a billing or parent/guardian
// account is often another person, and linking through it would merge two
// people into one subject.
type AssociatedAccount struct {
	Type          string                 `json:"type"`
	Platform      string                 `json:"platform,omitempty"`
	Person        Person                 `json:"person"`
	MiddleName    string                 `json:"middle_name,omitempty"`
	ESPService    string                 `json:"esp_service,omitempty"`
	ESPIdentifier string                 `json:"esp_identifier,omitempty"`
	ScreenName    string                 `json:"screen_name,omitempty"`
	DisplayNames  []string               `json:"display_names,omitempty"`
	ProfileURLs   []string               `json:"profile_urls,omitempty"`
	DeviceIDs     []DeviceID             `json:"device_ids,omitempty"`
	Identifiers   []safeguard.Identifier `json:"identifiers,omitempty"`
}

// Victim keeps only the age of a victim: nothing else about a child is
// needed for triage, so nothing else is kept outside the original document.
type Victim struct {
	Age *int `json:"age,omitempty"`
}

// FileDetails is one fileDetails document: a file of a report, tied to it
// by ReportID.
type FileDetails struct {
	ReportID         string         `json:"report_id"`
	FileID           string         `json:"file_id"`
	File             safeguard.File `json:"file"`
	OriginalFileName string         `json:"original_file_name,omitempty"`
	LocationOfFile   string         `json:"location_of_file,omitempty"`
	UploadedAt       *DateTime      `json:"uploaded_at,omitempty"`
	ExifViewedByESP  *bool          `json:"exif_viewed_by_esp,omitempty"`
	Relevance        string         `json:"relevance,omitempty"`
	OtherHashes      []Hash         `json:"other_hashes,omitempty"` // hash types File has no field for
	IPCapture        *IPCapture     `json:"ip_capture,omitempty"`
	DeviceIDs        []DeviceID     `json:"device_ids,omitempty"`
	Details          []Details      `json:"details,omitempty"`
	AdditionalInfo   []string       `json:"additional_info,omitempty"`
	Document         []byte         `json:"-"` // the original bytes, as received
	DocumentSHA256   string         `json:"document_sha256"`
}

// Hash is a hash of a type safeguard.File has no field for.
type Hash struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Details is a details element: EXIF or HASH name/value pairs.
type Details struct {
	Type  string      `json:"type,omitempty"`
	Pairs [][2]string `json:"pairs"`
}
