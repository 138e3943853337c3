/**
 * Formal given names and the short forms and Welsh equivalents people are known by, so that
 * "Bill Jones" finds "William Jones" and "Dai Evans" finds "David Evans". All lower case.
 */
export const nicknamesByFormalName: Readonly<Record<string, readonly string[]>> = {
  william: ['bill', 'billy', 'will', 'willie', 'willy', 'liam', 'wil', 'gwilym'],
  robert: ['bob', 'bobby', 'rob', 'robbie', 'bert', 'rab'],
  john: ['jon', 'johnny', 'jack', 'jackie', 'sion', 'ioan', 'ieuan', 'ianto'],
  jonathan: ['jon', 'jonny', 'johnny'],
  elizabeth: ['liz', 'lizzie', 'lizzy', 'beth', 'betty', 'bess', 'bessie', 'eliza', 'libby', 'elsie'],
  david: ['dave', 'davy', 'davey', 'dai', 'dafydd', 'dewi'],
  margaret: ['meg', 'maggie', 'peggy', 'marge', 'madge', 'mags', 'megan', 'rita'],
  james: ['jim', 'jimmy', 'jamie', 'iago'],
  richard: ['rich', 'richie', 'rick', 'ricky', 'dick'],
  edward: ['ed', 'eddie', 'ted', 'teddy', 'ned'],
  thomas: ['tom', 'tommy', 'twm'],
  michael: ['mike', 'mick', 'micky', 'mikey'],
  christopher: ['chris', 'kit'],
  anthony: ['tony'],
  daniel: ['dan', 'danny'],
  joseph: ['joe', 'joey'],
  benjamin: ['ben', 'benny'],
  samuel: ['sam', 'sammy'],
  samantha: ['sam', 'sammy'],
  matthew: ['matt', 'matty'],
  andrew: ['andy', 'drew'],
  nicholas: ['nick', 'nicky'],
  alexander: ['alex', 'alec', 'sandy', 'xander'],
  alexandra: ['alex', 'lexi', 'sandra'],
  stephen: ['steve', 'stevie'],
  steven: ['steve', 'stevie'],
  peter: ['pete'],
  patrick: ['pat', 'paddy'],
  patricia: ['pat', 'patsy', 'trish', 'tricia'],
  gareth: ['gaz'],
  gary: ['gaz'],
  katherine: ['kate', 'kath', 'kathy', 'katie', 'kitty'],
  catherine: ['cath', 'cathy', 'kate', 'katie', 'cathryn'],
  rebecca: ['becky', 'becca'],
  victoria: ['vicky', 'vikki', 'tori'],
  jennifer: ['jen', 'jenny'],
  susan: ['sue', 'susie'],
  deborah: ['debbie', 'debs', 'deb'],
  jessica: ['jess', 'jessie'],
  charlotte: ['charlie', 'lottie'],
  charles: ['charlie', 'chas', 'chuck'],
  frederick: ['fred', 'freddie'],
  henry: ['harry', 'hal', 'hank'],
  harold: ['harry', 'hal'],
  abigail: ['abby', 'abbie', 'gail'],
  emily: ['em', 'emmy', 'millie'],
  amelia: ['millie', 'amy'],
  mary: ['molly', 'polly', 'mair'],
  ann: ['annie', 'nan'],
  anne: ['annie', 'nan'],
  dorothy: ['dot', 'dolly', 'dottie'],
  eleanor: ['ellie', 'nell', 'nora'],
  evan: ['ifan'],
  llywelyn: ['llew', 'lyn'],
  gwendolen: ['gwen'],
  gwenllian: ['gwen'],
  rhiannon: ['rhi'],
  bethan: ['beth'],
  hugh: ['huw'],
  jane: ['sian', 'janey'],
  janet: ['sioned', 'jan'],
  laura: ['lowri'],
  joanne: ['jo'],
  joanna: ['jo'],
  josephine: ['jo', 'josie'],
  kenneth: ['ken', 'kenny'],
  leonard: ['len', 'lenny', 'leo'],
  lawrence: ['larry', 'laurie'],
  raymond: ['ray'],
  ronald: ['ron', 'ronnie'],
  donald: ['don', 'donnie'],
  douglas: ['doug'],
  gerald: ['gerry'],
  terence: ['terry'],
  timothy: ['tim', 'timmy'],
  philip: ['phil', 'pip'],
  vincent: ['vince', 'vinny'],
  zachary: ['zach', 'zak'],
  nathaniel: ['nat', 'nate'],
  nathan: ['nat', 'nate'],
  joshua: ['josh'],
  lachlan: ['lachie'],
  mitchell: ['mitch'],
  isabella: ['izzy', 'bella', 'issy'],
  isabel: ['izzy', 'bella', 'issy'],
  sophie: ['soph'],
  sophia: ['soph'],
  madeleine: ['maddie', 'maddy'],
  christine: ['chris', 'chrissie', 'tina'],
  christina: ['chris', 'chrissie', 'tina'],
  theresa: ['tess', 'tessa', 'terri'],
  frances: ['fran', 'frankie'],
  francis: ['frank', 'frankie'],
  gregory: ['greg'],
  jacqueline: ['jackie', 'jacqui'],
  kimberley: ['kim'],
  michelle: ['shell', 'chelle'],
  nicola: ['nicky', 'nikki'],
  pamela: ['pam'],
  sarah: ['sally', 'sal'],
  caroline: ['caz', 'carrie'],
};

const equivalents = buildEquivalents(nicknamesByFormalName);

function buildEquivalents(table: Readonly<Record<string, readonly string[]>>): ReadonlyMap<string, readonly string[]> {
  const groups = new Map<string, Set<string>>();
  const join = (name: string, names: Iterable<string>) => {
    const group = groups.get(name) ?? new Set<string>();
    for (const other of names) if (other !== name) group.add(other);
    groups.set(name, group);
  };
  for (const [formal, nicknames] of Object.entries(table)) {
    // A nickname leads to its formal name and that name's other short forms (Bill → Will);
    // a formal name leads to its short forms. Two formal names sharing a nickname stay apart.
    join(formal, nicknames);
    for (const nickname of nicknames) join(nickname, [formal, ...nicknames]);
  }
  return new Map([...groups].map(([name, group]) => [name, [...group].sort()]));
}

/** Other given names the same person may be recorded under, without `name` itself. */
export function alternativeGivenNames(name: string): readonly string[] {
  return equivalents.get(name.toLowerCase()) ?? [];
}

/** Whether two given names are the same name in another form (Bill and William). */
export function areNicknamesOf(a: string, b: string): boolean {
  return alternativeGivenNames(a).includes(b.toLowerCase());
}

/** Every (name, alternative) pair, e.g. for generating realistic test data. */
export function nicknamePairs(): [string, string][] {
  return Object.entries(nicknamesByFormalName).flatMap(([formal, nicknames]) => nicknames.map((nickname): [string, string] => [formal, nickname]));
}
