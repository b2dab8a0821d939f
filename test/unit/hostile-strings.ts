/** The hostile values of issue 13, each with how it must be shown. */
export const CATALOG: Array<[string, string, string]> = [
  ['ANSI CSI (clear screen)', 'a\x1b[2Jb', 'a\\x1b[2Jb'],
  ['OSC window title ended by BEL', '\x1b]0;pwned\x07', '\\x1b]0;pwned\\x07'],
  ['OSC 8 hyperlink', '\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\', '\\x1b]8;;https://evil.example\\x1b\\click\\x1b]8;;\\x1b\\'],
  ['backspace', 'rm -rf\x08\x08\x08\x08\x08\x08ls', 'rm -rf\\x08\\x08\\x08\\x08\\x08\\x08ls'],
  ['carriage return overwriting the line', 'evil\rok', 'evil\\rok'],
  ['newline starting a line of its own', 'a\nerror: fake', 'a\\nerror: fake'],
  ['bidi override', 'txt.\u202eexe', 'txt.\\u202eexe'],
  ['bidi isolate', '\u2066x\u2069', '\\u2066x\\u2069'],
  ['C1 CSI', '\u009b2J', '\\x9b2J'],
  ['DEL and NUL', 'a\x7fb\x00', 'a\\x7fb\\x00'],
  ['tab', 'a\tb', 'a\\tb'],
];
