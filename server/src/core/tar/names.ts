/**
 * Member names as keys: one normal form for lookups, and a refusal for names that could mean a place
 * outside the archive if anything ever resolved them (`../x`, `/etc/passwd`, `C:\x`, names with NUL).
 * Nothing here touches a file system; an archive adapter looks names up only in its member table.
 */

export type MemberNameProblem = 'parent' | 'absolute' | 'nul' | 'empty';

export type MemberName =
  { ok: true; name: string } | { ok: false; problem: MemberNameProblem; message: string };

/**
 * The normal form of a member name: `./` prefixes, empty segments, `.` segments and a trailing `/` removed
 * (`./blobs//sha256/x/` → `blobs/sha256/x`). The root directory (`./`, `.`) normalises to `''`.
 * Refused: a `..` segment anywhere (also as `..\`), a leading `/` or `\`, a Windows drive (`C:`), a NUL.
 */
export function normaliseMemberName(raw: string): MemberName {
  const q = JSON.stringify(raw.length > 200 ? `${raw.slice(0, 199)}…` : raw);
  if (raw.includes('\u0000'))
    return { ok: false, problem: 'nul', message: `The member name ${q} contains a NUL character.` };
  if (raw.startsWith('/') || raw.startsWith('\\') || /^[A-Za-z]:/.test(raw))
    return {
      ok: false,
      problem: 'absolute',
      message: `The member name ${q} is an absolute path; names in an archive are relative to its root.`,
    };
  const parts: string[] = [];
  for (const seg of raw.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg.split('\\').includes('..'))
      return {
        ok: false,
        problem: 'parent',
        message: `The member name ${q} has a ".." segment, which would lead outside the archive's root.`,
      };
    parts.push(seg);
  }
  if (parts.length === 0 && raw !== '' && /^[./]*$/.test(raw)) return { ok: true, name: '' };
  if (parts.length === 0) return { ok: false, problem: 'empty', message: `The member name ${q} is empty.` };
  return { ok: true, name: parts.join('/') };
}
