/**
 * The 249 officially assigned ISO 3166-1 alpha-2 country codes. A closed list rather than
 * `^[A-Z]{2}$` so that a typo (`UK`, `EN`) is rejected at the door with the field named, instead
 * of failing inside the checkout bridge after the policy and maybe a jury have been consulted.
 *
 * Reserved and user-assigned codes are deliberately absent (`UK`, `EU`, `XK` Kosovo, …). If a
 * storefront needs `XK`, add it here: the JSON Schema and the docs follow on regeneration.
 * `tests/daemon/contract.test.ts` checks every entry is a region the runtime's ICU data knows.
 */
export const ISO_3166_ALPHA2: readonly string[] = [
  ...'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ'.split(' '),
  ...'BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ'.split(' '),
  ...'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ'.split(' '),
  ...'DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR'.split(' '),
  ...'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY'.split(' '),
  ...'HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP'.split(' '),
  ...'KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY'.split(' '),
  ...'MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ'.split(' '),
  ...'NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA'.split(' '),
  ...'RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ'.split(' '),
  ...'TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ'.split(' '),
  ...'VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'.split(' '),
];
