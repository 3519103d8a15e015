package htcds

import (
	"strings"
)

// countryTable lists every ISO 3166-1 country as alpha-2:alpha-3:M49
// sub-region (the UN M49 geographic sub-region the country belongs to).
const countryTable = `AD:AND:039 AE:ARE:145 AF:AFG:034 AG:ATG:029 AI:AIA:029 AL:ALB:039 AM:ARM:145 AO:AGO:017 AQ:ATA:010 AR:ARG:005
AS:ASM:061 AT:AUT:155 AU:AUS:053 AW:ABW:029 AX:ALA:154 AZ:AZE:145 BA:BIH:039 BB:BRB:029 BD:BGD:034 BE:BEL:155
BF:BFA:011 BG:BGR:151 BH:BHR:145 BI:BDI:014 BJ:BEN:011 BL:BLM:029 BM:BMU:021 BN:BRN:035 BO:BOL:005 BQ:BES:029
BR:BRA:005 BS:BHS:029 BT:BTN:034 BV:BVT:005 BW:BWA:018 BY:BLR:151 BZ:BLZ:013 CA:CAN:021 CC:CCK:053 CD:COD:017
CF:CAF:017 CG:COG:017 CH:CHE:155 CI:CIV:011 CK:COK:061 CL:CHL:005 CM:CMR:017 CN:CHN:030 CO:COL:005 CR:CRI:013
CU:CUB:029 CV:CPV:011 CW:CUW:029 CX:CXR:053 CY:CYP:145 CZ:CZE:151 DE:DEU:155 DJ:DJI:014 DK:DNK:154 DM:DMA:029
DO:DOM:029 DZ:DZA:015 EC:ECU:005 EE:EST:154 EG:EGY:015 EH:ESH:015 ER:ERI:014 ES:ESP:039 ET:ETH:014 FI:FIN:154
FJ:FJI:054 FK:FLK:005 FM:FSM:057 FO:FRO:154 FR:FRA:155 GA:GAB:017 GB:GBR:154 GD:GRD:029 GE:GEO:145 GF:GUF:005
GG:GGY:154 GH:GHA:011 GI:GIB:039 GL:GRL:021 GM:GMB:011 GN:GIN:011 GP:GLP:029 GQ:GNQ:017 GR:GRC:039 GS:SGS:005
GT:GTM:013 GU:GUM:057 GW:GNB:011 GY:GUY:005 HK:HKG:030 HM:HMD:053 HN:HND:013 HR:HRV:039 HT:HTI:029 HU:HUN:151
ID:IDN:035 IE:IRL:154 IL:ISR:145 IM:IMN:154 IN:IND:034 IO:IOT:014 IQ:IRQ:145 IR:IRN:034 IS:ISL:154 IT:ITA:039
JE:JEY:154 JM:JAM:029 JO:JOR:145 JP:JPN:030 KE:KEN:014 KG:KGZ:143 KH:KHM:035 KI:KIR:057 KM:COM:014 KN:KNA:029
KP:PRK:030 KR:KOR:030 KW:KWT:145 KY:CYM:029 KZ:KAZ:143 LA:LAO:035 LB:LBN:145 LC:LCA:029 LI:LIE:155 LK:LKA:034
LR:LBR:011 LS:LSO:018 LT:LTU:154 LU:LUX:155 LV:LVA:154 LY:LBY:015 MA:MAR:015 MC:MCO:155 MD:MDA:151 ME:MNE:039
MF:MAF:029 MG:MDG:014 MH:MHL:057 MK:MKD:039 ML:MLI:011 MM:MMR:035 MN:MNG:030 MO:MAC:030 MP:MNP:057 MQ:MTQ:029
MR:MRT:011 MS:MSR:029 MT:MLT:039 MU:MUS:014 MV:MDV:034 MW:MWI:014 MX:MEX:013 MY:MYS:035 MZ:MOZ:014 NA:NAM:018
NC:NCL:054 NE:NER:011 NF:NFK:053 NG:NGA:011 NI:NIC:013 NL:NLD:155 NO:NOR:154 NP:NPL:034 NR:NRU:057 NU:NIU:061
NZ:NZL:053 OM:OMN:145 PA:PAN:013 PE:PER:005 PF:PYF:061 PG:PNG:054 PH:PHL:035 PK:PAK:034 PL:POL:151 PM:SPM:021
PN:PCN:061 PR:PRI:029 PS:PSE:145 PT:PRT:039 PW:PLW:057 PY:PRY:005 QA:QAT:145 RE:REU:014 RO:ROU:151 RS:SRB:039
RU:RUS:151 RW:RWA:014 SA:SAU:145 SB:SLB:054 SC:SYC:014 SD:SDN:015 SE:SWE:154 SG:SGP:035 SH:SHN:011 SI:SVN:039
SJ:SJM:154 SK:SVK:151 SL:SLE:011 SM:SMR:039 SN:SEN:011 SO:SOM:014 SR:SUR:005 SS:SSD:014 ST:STP:017 SV:SLV:013
SX:SXM:029 SY:SYR:145 SZ:SWZ:018 TC:TCA:029 TD:TCD:017 TF:ATF:014 TG:TGO:011 TH:THA:035 TJ:TJK:143 TK:TKL:061
TL:TLS:035 TM:TKM:143 TN:TUN:015 TO:TON:061 TR:TUR:145 TT:TTO:029 TV:TUV:061 TW:TWN:030 TZ:TZA:014 UA:UKR:151
UG:UGA:014 UM:UMI:057 US:USA:021 UY:URY:005 UZ:UZB:143 VA:VAT:039 VC:VCT:029 VE:VEN:005 VG:VGB:029 VI:VIR:029
VN:VNM:035 VU:VUT:054 WF:WLF:061 WS:WSM:061 YE:YEM:145 YT:MYT:014 ZA:ZAF:018 ZM:ZMB:014 ZW:ZWE:014`

// subRegions names the UN M49 sub-regions and gives the region of each.
var subRegions = map[string]struct{ name, region string }{
	"011": {"Western Africa", "Africa"},
	"014": {"Eastern Africa", "Africa"},
	"015": {"Northern Africa", "Africa"},
	"017": {"Middle Africa", "Africa"},
	"018": {"Southern Africa", "Africa"},
	"005": {"South America", "Americas"},
	"013": {"Central America", "Americas"},
	"021": {"Northern America", "Americas"},
	"029": {"Caribbean", "Americas"},
	"030": {"Eastern Asia", "Asia"},
	"034": {"Southern Asia", "Asia"},
	"035": {"South-eastern Asia", "Asia"},
	"143": {"Central Asia", "Asia"},
	"145": {"Western Asia", "Asia"},
	"039": {"Southern Europe", "Europe"},
	"151": {"Eastern Europe", "Europe"},
	"154": {"Northern Europe", "Europe"},
	"155": {"Western Europe", "Europe"},
	"053": {"Australia and New Zealand", "Oceania"},
	"054": {"Melanesia", "Oceania"},
	"057": {"Micronesia", "Oceania"},
	"061": {"Polynesia", "Oceania"},
	"010": {"Antarctica", "Antarctica"},
}

type country struct{ alpha2, alpha3, sub string }

var (
	byAlpha2 = map[string]country{}
	byAlpha3 = map[string]country{}
)

func init() {
	for _, f := range strings.Fields(countryTable) {
		p := strings.Split(f, ":")
		c := country{p[0], p[1], p[2]}
		if _, ok := subRegions[c.sub]; !ok || len(c.alpha2) != 2 || len(c.alpha3) != 3 {
			panic("htcds: bad country entry " + f)
		}
		byAlpha2[c.alpha2] = c
		byAlpha3[c.alpha3] = c
	}
}

// Alpha3 returns the ISO 3166-1 alpha-3 code of an alpha-2 code.
func Alpha3(alpha2 string) (string, bool) {
	c, ok := byAlpha2[alpha2]
	return c.alpha3, ok
}

// Alpha2 returns the ISO 3166-1 alpha-2 code of an alpha-3 code.
func Alpha2(alpha3 string) (string, bool) {
	c, ok := byAlpha3[alpha3]
	return c.alpha2, ok
}

// SubRegion returns the name of the UN M49 sub-region of an alpha-2 code
// (such as "Central Asia" for KG).
func SubRegion(alpha2 string) (string, bool) {
	c, ok := byAlpha2[alpha2]
	if !ok {
		return "", false
	}
	return subRegions[c.sub].name, true
}

// Region returns the name of the UN M49 region of an alpha-2 code (Africa,
// Americas, Asia, Europe, Oceania or Antarctica).
func Region(alpha2 string) (string, bool) {
	c, ok := byAlpha2[alpha2]
	if !ok {
		return "", false
	}
	return subRegions[c.sub].region, true
}
