package synth

import (
	"fmt"

	"safeguard"
)

// forceNames are the 43 territorial police forces of England and Wales with
// short codes made up for Safeguard.
var forceNames = []struct{ code, name string }{
	{"AVS", "Avon and Somerset Constabulary"},
	{"BDF", "Bedfordshire Police"},
	{"CAM", "Cambridgeshire Constabulary"},
	{"CHS", "Cheshire Constabulary"},
	{"COL", "City of London Police"},
	{"CLE", "Cleveland Police"},
	{"CUM", "Cumbria Constabulary"},
	{"DBY", "Derbyshire Constabulary"},
	{"DVC", "Devon and Cornwall Police"},
	{"DOR", "Dorset Police"},
	{"DUR", "Durham Constabulary"},
	{"DPP", "Dyfed-Powys Police"},
	{"ESX", "Essex Police"},
	{"GLO", "Gloucestershire Constabulary"},
	{"GMP", "Greater Manchester Police"},
	{"GWE", "Gwent Police"},
	{"HAM", "Hampshire and Isle of Wight Constabulary"},
	{"HRT", "Hertfordshire Constabulary"},
	{"HUM", "Humberside Police"},
	{"KNT", "Kent Police"},
	{"LAN", "Lancashire Constabulary"},
	{"LEI", "Leicestershire Police"},
	{"LIN", "Lincolnshire Police"},
	{"MER", "Merseyside Police"},
	{"MET", "Metropolitan Police Service"},
	{"NFK", "Norfolk Constabulary"},
	{"NWP", "North Wales Police"},
	{"NYP", "North Yorkshire Police"},
	{"NTH", "Northamptonshire Police"},
	{"NBR", "Northumbria Police"},
	{"NTT", "Nottinghamshire Police"},
	{"SWP", "South Wales Police"},
	{"SYP", "South Yorkshire Police"},
	{"STF", "Staffordshire Police"},
	{"SFK", "Suffolk Constabulary"},
	{"SRY", "Surrey Police"},
	{"SSX", "Sussex Police"},
	{"TVP", "Thames Valley Police"},
	{"WAR", "Warwickshire Police"},
	{"WMC", "West Mercia Police"},
	{"WMP", "West Midlands Police"},
	{"WYP", "West Yorkshire Police"},
	{"WIL", "Wiltshire Police"},
}

// Forces returns the 43 forces. Their postcode-prefix areas are invented in
// a range no real UK postcode uses (outward codes starting "Q"), and their
// capacities are made up; each is marked Synthetic.
func Forces() []*safeguard.Force {
	out := make([]*safeguard.Force, len(forceNames))
	for i, f := range forceNames {
		out[i] = &safeguard.Force{
			Code:           f.code,
			Name:           f.name,
			Areas:          []string{fmt.Sprintf("Q%c%d", 'A'+i/9, i%9+1), fmt.Sprintf("Q%c%dX", 'A'+i/9, i%9+1)},
			WeeklyCapacity: 5 + (i*7)%20,
			Synthetic:      true,
		}
	}
	return out
}
