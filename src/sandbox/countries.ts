/**
 * The countries the sandbox store knows, for billing address checks: one line per ISO 3166-1
 * alpha-2 code, `CODE Name`, then other accepted spellings after `|`. The first name is the one
 * the store answers with, in the style of BigCommerce's country list (GET /v2/countries in the
 * Geography API, https://developer.bigcommerce.com/docs/rest-management/geography).
 * Written separately from the tool's src/countries.ts on purpose: the sandbox stands in for
 * BigCommerce, so a name the tool gets wrong must fail here rather than be shared.
 */
const TABLE = `
AD Andorra
AE United Arab Emirates|UAE
AF Afghanistan
AG Antigua and Barbuda
AI Anguilla
AL Albania
AM Armenia
AO Angola
AQ Antarctica
AR Argentina
AS American Samoa
AT Austria
AU Australia
AW Aruba
AX Aland Islands
AZ Azerbaijan
BA Bosnia and Herzegovina
BB Barbados
BD Bangladesh
BE Belgium
BF Burkina Faso
BG Bulgaria
BH Bahrain
BI Burundi
BJ Benin
BL Saint Barthelemy
BM Bermuda
BN Brunei Darussalam|Brunei
BO Bolivia|Bolivia, Plurinational State of
BQ Bonaire, Sint Eustatius and Saba|Caribbean Netherlands
BR Brazil
BS Bahamas
BT Bhutan
BV Bouvet Island
BW Botswana
BY Belarus
BZ Belize
CA Canada
CC Cocos (Keeling) Islands
CD Congo, the Democratic Republic of the|Democratic Republic of the Congo
CF Central African Republic
CG Congo|Republic of the Congo
CH Switzerland
CI Cote d'Ivoire|Ivory Coast
CK Cook Islands
CL Chile
CM Cameroon
CN China
CO Colombia
CR Costa Rica
CU Cuba
CV Cape Verde|Cabo Verde
CW Curacao
CX Christmas Island
CY Cyprus
CZ Czech Republic|Czechia
DE Germany
DJ Djibouti
DK Denmark
DM Dominica
DO Dominican Republic
DZ Algeria
EC Ecuador
EE Estonia
EG Egypt
EH Western Sahara
ER Eritrea
ES Spain
ET Ethiopia
FI Finland
FJ Fiji
FK Falkland Islands (Malvinas)|Falkland Islands
FM Micronesia, Federated States of|Micronesia
FO Faroe Islands
FR France
GA Gabon
GB United Kingdom|Great Britain
GD Grenada
GE Georgia
GF French Guiana
GG Guernsey
GH Ghana
GI Gibraltar
GL Greenland
GM Gambia
GN Guinea
GP Guadeloupe
GQ Equatorial Guinea
GR Greece
GS South Georgia and the South Sandwich Islands|South Georgia and South Sandwich Islands
GT Guatemala
GU Guam
GW Guinea-Bissau
GY Guyana
HK Hong Kong
HM Heard Island and McDonald Islands|Heard and McDonald Islands
HN Honduras
HR Croatia
HT Haiti
HU Hungary
ID Indonesia
IE Ireland
IL Israel
IM Isle of Man
IN India
IO British Indian Ocean Territory
IQ Iraq
IR Iran, Islamic Republic of|Iran
IS Iceland
IT Italy
JE Jersey
JM Jamaica
JO Jordan
JP Japan
KE Kenya
KG Kyrgyzstan
KH Cambodia
KI Kiribati
KM Comoros
KN Saint Kitts and Nevis
KP Korea, Democratic People's Republic of|North Korea
KR Korea, Republic of|South Korea
KW Kuwait
KY Cayman Islands
KZ Kazakhstan
LA Lao People's Democratic Republic|Laos
LB Lebanon
LC Saint Lucia
LI Liechtenstein
LK Sri Lanka
LR Liberia
LS Lesotho
LT Lithuania
LU Luxembourg
LV Latvia
LY Libya|Libyan Arab Jamahiriya
MA Morocco
MC Monaco
MD Moldova, Republic of|Moldova
ME Montenegro
MF Saint Martin (French part)|Saint Martin
MG Madagascar
MH Marshall Islands
MK North Macedonia|Macedonia, the Former Yugoslav Republic of
ML Mali
MM Myanmar
MN Mongolia
MO Macao|Macau
MP Northern Mariana Islands
MQ Martinique
MR Mauritania
MS Montserrat
MT Malta
MU Mauritius
MV Maldives
MW Malawi
MX Mexico
MY Malaysia
MZ Mozambique
NA Namibia
NC New Caledonia
NE Niger
NF Norfolk Island
NG Nigeria
NI Nicaragua
NL Netherlands
NO Norway
NP Nepal
NR Nauru
NU Niue
NZ New Zealand
OM Oman
PA Panama
PE Peru
PF French Polynesia
PG Papua New Guinea
PH Philippines
PK Pakistan
PL Poland
PM Saint Pierre and Miquelon
PN Pitcairn|Pitcairn Islands
PR Puerto Rico
PS Palestinian Territory, Occupied|Palestinian Territory|Palestine
PT Portugal
PW Palau
PY Paraguay
QA Qatar
RE Reunion
RO Romania
RS Serbia
RU Russian Federation|Russia
RW Rwanda
SA Saudi Arabia
SB Solomon Islands
SC Seychelles
SD Sudan
SE Sweden
SG Singapore
SH Saint Helena
SI Slovenia
SJ Svalbard and Jan Mayen
SK Slovakia
SL Sierra Leone
SM San Marino
SN Senegal
SO Somalia
SR Suriname
SS South Sudan
ST Sao Tome and Principe
SV El Salvador
SX Sint Maarten (Dutch part)|Sint Maarten
SY Syrian Arab Republic|Syria
SZ Eswatini|Swaziland
TC Turks and Caicos Islands
TD Chad
TF French Southern Territories
TG Togo
TH Thailand
TJ Tajikistan
TK Tokelau
TL Timor-Leste|East Timor
TM Turkmenistan
TN Tunisia
TO Tonga
TR Turkey|Turkiye
TT Trinidad and Tobago
TV Tuvalu
TW Taiwan
TZ Tanzania, United Republic of|Tanzania
UA Ukraine
UG Uganda
UM United States Minor Outlying Islands|U.S. Outlying Islands
US United States|United States of America|USA
UY Uruguay
UZ Uzbekistan
VA Holy See (Vatican City State)|Vatican City
VC Saint Vincent and the Grenadines|Saint Vincent and Grenadines
VE Venezuela|Venezuela, Bolivarian Republic of
VG Virgin Islands, British|British Virgin Islands
VI Virgin Islands, U.S.|U.S. Virgin Islands
VN Viet Nam|Vietnam
VU Vanuatu
WF Wallis and Futuna
WS Samoa
XK Kosovo
YE Yemen
YT Mayotte
ZA South Africa
ZM Zambia
ZW Zimbabwe
`;

export interface StoreCountry {
  readonly iso2: string;
  /** The name the store answers with. */
  readonly name: string;
}

/** Case, accents, apostrophes, dots and runs of spaces do not tell two names apart. */
const fold = (text: string): string =>
  text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[’'.]/g, "")
    .replace(/\s+/g, " ")
    .trim()
    .toLowerCase();

const byCode = new Map<string, StoreCountry>();
const byName = new Map<string, StoreCountry>();
for (const line of TABLE.trim().split("\n")) {
  const [name = "", ...others] = line.slice(3).split("|");
  const country: StoreCountry = { iso2: line.slice(0, 2), name };
  byCode.set(country.iso2, country);
  for (const spelling of [name, ...others]) byName.set(fold(spelling), country);
}

/** Every country, in code order. */
export const STORE_COUNTRIES: readonly StoreCountry[] = [...byCode.values()];

/** The country with this alpha-2 code (any case, surrounding spaces ignored), or undefined. */
export function countryByCode(code: string): StoreCountry | undefined {
  return byCode.get(code.trim().toUpperCase());
}

/** The country with this name or other accepted spelling, or undefined. A code is not a name. */
export function countryByName(name: string): StoreCountry | undefined {
  return byName.get(fold(name));
}
