/**
 * How common names are in England and Wales, for made-up people at scale. The shares are
 * rounded, per 10,000 people, after published surname and first-name frequency counts (the
 * most common surnames in Great Britain; first names of adults born 1940–2010). Everyone else
 * gets a name from the long tail (FEBRL's synthetic names), so that about one person in 80 is
 * a Smith and most names are rare, as in a real caseload.
 */
export const commonFamilyNames: Readonly<Record<string, number>> = {
  smith: 126, jones: 96, williams: 80, taylor: 58, brown: 57, davies: 54, evans: 37, wilson: 38, thomas: 36,
  johnson: 31, roberts: 31, robinson: 25, thompson: 25, wright: 24, walker: 24, white: 22, edwards: 22,
  hughes: 22, green: 21, hall: 21, lewis: 20, harris: 20, clarke: 20, patel: 20, jackson: 19, wood: 18,
  turner: 17, martin: 17, cooper: 17, hill: 17, ward: 16, morris: 16, moore: 16, clark: 16, lee: 16,
  king: 16, baker: 15, harrison: 15, morgan: 15, allen: 14, james: 14, scott: 14, phillips: 14, watson: 14,
  davis: 14, parker: 13, price: 13, bennett: 13, young: 13, griffiths: 13, mitchell: 12, kelly: 12,
  cook: 12, carter: 12, richardson: 12, bailey: 12, collins: 12, bell: 12, shaw: 12, murphy: 11,
  miller: 11, cox: 11, richards: 11, khan: 11, marshall: 11, anderson: 11, simpson: 10, ellis: 10,
  adams: 10, singh: 10, begum: 10, wilkinson: 10, foster: 10, chapman: 10, powell: 10, webb: 10,
  rogers: 10, gray: 10, mason: 10, ali: 10, hunt: 10, hussain: 10, campbell: 10, matthews: 10,
  owen: 10, palmer: 10, holmes: 10, mills: 10, barnes: 9, knight: 9, lloyd: 9, butler: 9, russell: 9,
  barker: 9, fisher: 9, stevens: 9, jenkins: 9, murray: 9, dixon: 9, harvey: 9, graham: 8, pearson: 8,
  ahmed: 8, fletcher: 8, walsh: 8, kaur: 8, gibson: 8, howard: 8, andrews: 8, stewart: 8, elliott: 8,
  reynolds: 8, saunders: 8, payne: 8, fox: 8, ford: 8, pearce: 8, day: 7, brooks: 7, west: 7,
  lawrence: 7, cole: 7, atkinson: 7, bradley: 7, spencer: 7, gill: 7, dawson: 7, ball: 7, burton: 7,
  "o'brien": 7, watts: 7, rose: 7, booth: 7, perry: 7, ryan: 7, grant: 7, wells: 7, armstrong: 7,
  francis: 7, rees: 7, hayes: 7, hart: 6, hudson: 6, newman: 6, barrett: 6, webster: 6, hunter: 6,
  gregory: 6, carr: 6, lowe: 6, page: 6, marsh: 6, riley: 6, dunn: 6, woods: 6, parsons: 6, berry: 6,
  stone: 6, reid: 6, holland: 6, hawkins: 6, harding: 6, porter: 6, robertson: 6, newton: 6, oliver: 6,
  reed: 6, kennedy: 6, williamson: 6, bird: 6, gardner: 6, shah: 6, dean: 6, lane: 6, cooke: 6,
  bates: 6, henderson: 6, parry: 6, burgess: 6, bishop: 6, walton: 6, burns: 6, nicholson: 6, shepherd: 6,
  ross: 6, cross: 6, long: 6, freeman: 6, warren: 5, nicholls: 5, hamilton: 5, byrne: 5, sutton: 5,
  mcdonald: 5, yates: 5, hodgson: 5, robson: 5, curtis: 5, hopkins: 5, "o'connor": 5, harper: 5, coleman: 5,
  watkins: 5, moss: 5, mccarthy: 5, chambers: 5, "o'neill": 5, griffin: 5, sharp: 5, hardy: 5, wheeler: 5,
  potter: 5, osborne: 5, johnston: 5, gordon: 5, doyle: 5, wallace: 5, george: 5, jordan: 5, hutchinson: 5,
  rowe: 5, burke: 5, may: 5, pritchard: 5, gilbert: 5, willis: 5, higgins: 5, read: 5, miles: 5,
  stevenson: 5, stephenson: 5, hammond: 5, arnold: 5, buckley: 5, walters: 5, hewitt: 5, barber: 5,
  nelson: 5, slater: 5, austin: 5, sullivan: 5, whitehead: 5, mann: 5, frost: 5, lambert: 5, stephens: 5,
  blake: 5, akhtar: 5, lynch: 5, goodwin: 5, barton: 5, woodward: 5, thomson: 5, cunningham: 5, quinn: 5,
  barnett: 5, baxter: 5, bibi: 5, clayton: 4, nash: 4, greenwood: 4, jennings: 4, holt: 4, kemp: 4,
  poole: 4, gallagher: 4, bond: 4, stokes: 4, tucker: 4, davidson: 4, fowler: 4, heath: 4, norman: 4,
  middleton: 4, lawson: 4, banks: 4, french: 4, stanley: 4, jarvis: 4, gibbs: 4, ferguson: 4, hayward: 4,
  carroll: 4, douglas: 4, dickinson: 4, todd: 4, barlow: 4, peters: 4, lucas: 4, knowles: 4, hartley: 4,
  miah: 4, simmons: 4, morton: 4, alexander: 4, field: 4, morrison: 4, norris: 4, townsend: 4, preston: 4,
  hancock: 4, thornton: 4, baldwin: 4, burrows: 4, briggs: 4, storey: 4, pugh: 4, charlton: 4, milburn: 4,
  dodds: 4, bowen: 4, vaughan: 4, jenkinson: 4, llewellyn: 4, howells: 4,
};

export const commonGivenNames: Readonly<Record<string, number>> = {
  // Men
  john: 190, david: 180, michael: 150, paul: 120, andrew: 110, james: 110, mark: 100, peter: 90, robert: 90,
  christopher: 84, stephen: 80, richard: 76, daniel: 72, thomas: 70, william: 68, anthony: 60, ian: 56,
  matthew: 56, gary: 52, steven: 50, jonathan: 36, kevin: 44, alan: 44, brian: 40, simon: 40, lee: 36,
  martin: 36, neil: 32, craig: 32, jack: 32, joseph: 30, ryan: 30, adam: 30, samuel: 28, benjamin: 26,
  george: 26, harry: 26, liam: 26, luke: 24, nicholas: 24, jamie: 24, dean: 22, gareth: 22, graham: 22,
  keith: 22, kenneth: 20, ronald: 20, philip: 20, edward: 20, colin: 18, barry: 18, carl: 18, shaun: 18,
  wayne: 18, darren: 18, jason: 18, scott: 18, sean: 16, aaron: 16, callum: 16, connor: 16, dylan: 16, lewis: 16,
  mohammed: 16, muhammad: 12, oliver: 16, charlie: 14, alfie: 12, rhys: 12, owen: 12, dafydd: 6, gethin: 6,
  huw: 6, iwan: 6, emyr: 4, aled: 4, geraint: 4, gwilym: 2, ieuan: 4, dai: 2,
  // Women
  susan: 100, sarah: 100, margaret: 90, elizabeth: 84, helen: 72, emma: 72, julie: 64, karen: 64, claire: 60,
  jennifer: 56, laura: 56, nicola: 56, patricia: 50, lisa: 50, catherine: 48, rachel: 48, mary: 48,
  joanne: 44, linda: 44, amanda: 44, michelle: 44, jane: 44, deborah: 40, christine: 40, gemma: 40,
  rebecca: 40, louise: 40, kelly: 36, victoria: 36, hannah: 36, jessica: 36, samantha: 36, sharon: 36,
  tracey: 32, angela: 32, alison: 32, katherine: 28, kathleen: 28, barbara: 28, dorothy: 20, joan: 24,
  sophie: 28, charlotte: 28, amy: 28, lauren: 28, chloe: 24, emily: 24, olivia: 20, amelia: 16, isabella: 12,
  megan: 20, bethan: 12, rhiannon: 10, sian: 10, ffion: 8, catrin: 8, cerys: 8, angharad: 6, gwen: 6,
  lowri: 6, eleri: 4, carys: 6, nia: 6, aisha: 8, fatima: 8, ayesha: 6, zainab: 4, abigail: 12, eleanor: 12,
  frances: 12, anne: 20, ann: 16, janet: 20, pamela: 16, jacqueline: 16, theresa: 10, caroline: 20, kimberley: 8,
};

/**
 * A list a uniform random pick from which follows the shares: each common name repeated for its
 * share of `size`, then the long tail, each name equally often, for the rest.
 */
export function weightedNames(common: Readonly<Record<string, number>>, tail: readonly string[], size = 100_000): string[] {
  const names: string[] = [];
  const commonNames = new Set<string>();
  for (const [name, perTenThousand] of Object.entries(common)) {
    if (perTenThousand <= 0 || !/^[a-z' -]+$/.test(name)) continue;
    commonNames.add(name);
    for (let i = 0; i < Math.round((perTenThousand / 10_000) * size); i += 1) names.push(name);
  }
  const rare = [...new Set(tail)].filter((name) => !commonNames.has(name));
  for (let i = 0; names.length < size && rare.length > 0; i += 1) names.push(rare[i % rare.length]!);
  return names;
}
