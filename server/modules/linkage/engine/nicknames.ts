/**
 * Common English given-name variants. Each group is one person's name as different agencies
 * might write it; a pair in the same group compares at the "nickname" level.
 */
const groups = [
  'alexander alex alec sandy xander',
  'alexandra alex alexa sandra lexi',
  'andrew andy drew',
  'anthony tony ant',
  'benjamin ben benny',
  'catherine katherine kathryn kate katie kath cathy kathy kitty',
  'charles charlie chas chuck',
  'christopher chris kit',
  'christine christina chris tina',
  'daniel dan danny',
  'david dave davy',
  'deborah debbie debra deb',
  'edward ed eddie ted ned',
  'elizabeth liz lizzie beth betty eliza lisa libby',
  'frederick fred freddie',
  'gregory greg',
  'henry harry hal',
  'jacqueline jackie jacqui',
  'james jim jimmy jamie',
  'jennifer jenny jen',
  'john jack johnny jon',
  'jonathan jon jonny',
  'joseph joe joey',
  'joshua josh',
  'kenneth ken kenny',
  'lawrence laurence larry laurie',
  'margaret maggie meg peggy madge margo',
  'matthew matt',
  'michael mike mick mickey',
  'nicholas nick nicky',
  'patricia pat patty trish tricia',
  'patrick pat paddy',
  'peter pete',
  'rebecca becky becca',
  'richard rich rick ricky dick',
  'robert rob robbie bob bobby bert',
  'samantha sam sammy',
  'samuel sam sammy',
  'stephen steven steve stevie',
  'susan sue susie suzanne',
  'thomas tom tommy',
  'timothy tim timmy',
  'victoria vicky tori',
  'william will bill billy liam',
];

const groupsByName = new Map<string, number[]>();
groups.forEach((group, index) => {
  for (const name of group.split(' ')) groupsByName.set(name, [...(groupsByName.get(name) ?? []), index]);
});

export function areNicknames(a: string, b: string): boolean {
  const groupsOfA = groupsByName.get(a);
  const groupsOfB = groupsByName.get(b);
  if (!groupsOfA || !groupsOfB) return false;
  return groupsOfA.some((group) => groupsOfB.includes(group));
}

/** For the synthetic generator: another name the same person might go by, if there is one. */
export function nicknamesOf(name: string): string[] {
  const result = new Set<string>();
  for (const group of groupsByName.get(name) ?? []) for (const other of groups[group]!.split(' ')) if (other !== name) result.add(other);
  return [...result];
}
