/**
 * The llamafarm.yaml editor: CodeMirror with YAML highlighting, the server's schema checked as you type (the API's
 * messages, at their line), key and enum completion, an outline, a diff before saving, an unsaved-changes guard.
 * Save sends the document through PUT. This page is its own chunk (CodeMirror, yaml and ajv load only here).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useBlocker, useBeforeUnload } from 'react-router-dom';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { stringify } from 'yaml';
import type { ValidateFunction } from 'ajv';
import { EditorView, basicSetup } from 'codemirror';
import { EditorState } from '@codemirror/state';
import { keymap } from '@codemirror/view';
import { yaml as yamlLanguage } from '@codemirror/lang-yaml';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { autocompletion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags } from '@lezer/highlight';
import { api, p } from '../api/client';
import { keys, useProject } from '../api/hooks';
import type { ProjectUpdateResponse } from '../api/types';
import { checkConfig, compileConfigSchema, diffLines, enumAt, keysAt, outline, pathAtLine, type JsonSchema } from '../lib/yaml-schema';
import { Dialog, ErrorNote, Loading } from '../components/ui';
import { useProjectParams } from './ProjectLayout';

const darkHighlight = HighlightStyle.define([
  { tag: tags.propertyName, color: '#7dd3fc' },
  { tag: [tags.string, tags.special(tags.string)], color: '#86efac' },
  { tag: [tags.number, tags.bool, tags.null], color: '#fcd34d' },
  { tag: tags.comment, color: '#a1a1aa', fontStyle: 'italic' },
  { tag: [tags.keyword, tags.definition(tags.propertyName)], color: '#c4b5fd' },
  { tag: tags.punctuation, color: '#d4d4d8' },
]);
const lightHighlight = HighlightStyle.define([
  { tag: tags.propertyName, color: '#075985' },
  { tag: [tags.string, tags.special(tags.string)], color: '#166534' },
  { tag: [tags.number, tags.bool, tags.null], color: '#92400e' },
  { tag: tags.comment, color: '#52525b', fontStyle: 'italic' },
  { tag: tags.keyword, color: '#6b21a8' },
]);

function editorTheme(dark: boolean) {
  return EditorView.theme(
    {
      '&': { fontSize: '13px', height: '100%', backgroundColor: dark ? '#09090b' : '#ffffff', color: dark ? '#e4e4e7' : '#18181b' },
      '.cm-scroller': { fontFamily: 'var(--font-mono)' },
      '.cm-gutters': { backgroundColor: dark ? '#18181b' : '#f4f4f5', color: dark ? '#a1a1aa' : '#52525b', border: 'none' },
      '.cm-activeLine': { backgroundColor: dark ? '#27272a66' : '#f4f4f599' },
      '.cm-activeLineGutter': { backgroundColor: dark ? '#27272a' : '#e4e4e7' },
      '&.cm-focused .cm-cursor': { borderLeftColor: dark ? '#fafafa' : '#18181b' },
      '.cm-tooltip': { backgroundColor: dark ? '#18181b' : '#ffffff', color: dark ? '#e4e4e7' : '#18181b', border: `1px solid ${dark ? '#3f3f46' : '#d4d4d8'}` },
      '.cm-selectionBackground, &.cm-focused .cm-selectionBackground': { backgroundColor: dark ? '#3f3f46 !important' : '#bfdbfe !important' },
    },
    { dark },
  );
}

function completionSource(schema: JsonSchema) {
  return (ctx: CompletionContext): CompletionResult | null => {
    const line = ctx.state.doc.lineAt(ctx.pos);
    const before = line.text.slice(0, ctx.pos - line.from);
    const lines = ctx.state.doc.toString().split('\n');
    const valueMatch = /^(\s*(?:- )?)([A-Za-z_][\w-]*):\s*(\S*)$/.exec(before);
    if (valueMatch) {
      const path = [...pathAtLine(lines, line.number - 1, valueMatch[1].length), valueMatch[2]];
      const values = enumAt(schema, path);
      if (values.length === 0) return null;
      return { from: ctx.pos - valueMatch[3].length, options: values.map((v) => ({ label: v, type: 'enum' })) };
    }
    const keyMatch = /^(\s*(?:- )?)([A-Za-z_][\w-]*)?$/.exec(before);
    if (!keyMatch || (!keyMatch[2] && !ctx.explicit)) return null;
    const path = pathAtLine(lines, line.number - 1, keyMatch[1].length);
    const options = keysAt(schema, path).map((k) => ({ label: k.key, apply: `${k.key}: `, type: 'property', info: k.description }));
    if (options.length === 0) return null;
    return { from: ctx.pos - (keyMatch[2]?.length ?? 0), options, validFor: /^[\w-]*$/ };
  };
}

function useDarkMode(): boolean {
  const [dark, setDark] = useState(() => window.matchMedia('(prefers-color-scheme: dark)').matches);
  useEffect(() => {
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    const on = () => setDark(mq.matches);
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, []);
  return dark;
}

export default function ConfigPage() {
  const { ns, project } = useProjectParams();
  const proj = useProject(ns, project);
  const openapi = useQuery({ queryKey: ['openapi'], queryFn: () => api.get<{ components?: { schemas?: Record<string, JsonSchema> } }>('/openapi.json'), staleTime: Infinity });
  const schema = openapi.data?.components?.schemas?.LlamaFarmConfig;
  const validate = useMemo<ValidateFunction | null>(() => (schema ? compileConfigSchema(schema) : null), [schema]);
  const saved = useMemo(() => (proj.data ? stringify(proj.data.project.config, { lineWidth: 0 }) : null), [proj.data]);
  const [text, setText] = useState<string | null>(null);
  const [diffOpen, setDiffOpen] = useState(false);
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const dark = useDarkMode();
  const qc = useQueryClient();
  const current = text ?? saved ?? '';
  const dirty = saved !== null && text !== null && text !== saved;

  const checked = useMemo(() => checkConfig(current, validate), [current, validate]);
  const outlineEntries = useMemo(() => outline(checked.doc), [checked.doc]);

  useEffect(() => {
    if (!host.current || saved === null || !validate || !schema) return;
    const lint = linter((v): Diagnostic[] => {
      const res = checkConfig(v.state.doc.toString(), validate);
      return res.problems.map((pr) => ({ from: Math.min(pr.from, v.state.doc.length), to: Math.min(pr.to, v.state.doc.length), severity: pr.severity, message: pr.message }));
    }, { delay: 300 });
    const v = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: text ?? saved,
        extensions: [
          basicSetup,
          yamlLanguage(),
          lint,
          lintGutter(),
          autocompletion({ override: [completionSource(schema)] }),
          syntaxHighlighting(dark ? darkHighlight : lightHighlight),
          editorTheme(dark),
          keymap.of([{ key: 'Mod-s', preventDefault: true, run: () => (setDiffOpen(true), true) }]),
          EditorView.contentAttributes.of({ 'aria-label': 'llamafarm.yaml' }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) setText(u.state.doc.toString());
          }),
        ],
      }),
    });
    // The scroller gets a tab stop of its own so keyboard users can scroll a long document (axe:
    // scrollable-region-focusable; the contenteditable inside does not count as focusable for it).
    v.scrollDOM.tabIndex = 0;
    v.scrollDOM.setAttribute('aria-label', 'llamafarm.yaml scroll area');
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // The editor is rebuilt only when what it is built from changes (not on each keystroke).
  }, [saved, validate, schema, dark]);

  const save = useMutation({
    mutationFn: () => api.put<ProjectUpdateResponse>(p`/v1/projects/${ns}/${project}`, { config: checked.value }),
    onSuccess: async (res) => {
      qc.setQueryData(keys.project(ns, project), res);
      setText(null);
      setDiffOpen(false);
      await qc.invalidateQueries({ queryKey: keys.datasets(ns, project) });
    },
  });

  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirty && currentLocation.pathname !== nextLocation.pathname);
  useBeforeUnload((e) => {
    if (dirty) e.preventDefault();
  });

  if (proj.isLoading || openapi.isLoading) return <Loading what="configuration" />;
  if (proj.error || openapi.error) return <ErrorNote error={proj.error ?? openapi.error} />;

  const errors = checked.problems;
  const discard = () => {
    const v = view.current;
    if (v && saved !== null) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: saved } });
    setText(null);
  };
  const jump = (from: number) => {
    const v = view.current;
    if (!v) return;
    v.dispatch({ selection: { anchor: from }, scrollIntoView: true });
    v.focus();
  };
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-2">
        <h2 className="mr-auto text-xl font-semibold">
          llamafarm.yaml {dirty && <span className="muted text-sm font-normal">(unsaved changes)</span>}
        </h2>
        <button className="btn" onClick={discard} disabled={!dirty}>
          Discard changes
        </button>
        <button className="btn btn-primary" onClick={() => setDiffOpen(true)} disabled={!dirty || errors.length > 0}>
          Save
        </button>
      </div>
      <div className="grid gap-3 lg:grid-cols-[12rem_1fr]">
        <nav aria-label="Outline" className="card max-h-[36rem] overflow-auto p-2 text-sm">
          <p className="muted mb-1 px-1 text-xs uppercase tracking-wide">Outline</p>
          <ul>
            {outlineEntries.map((o, i) => (
              <li key={`${o.from}-${i}`}>
                <button className="w-full truncate rounded px-1 py-0.5 text-left hover:bg-zinc-100 dark:hover:bg-zinc-800" style={{ paddingLeft: `${0.25 + o.depth * 0.75}rem` }} onClick={() => jump(o.from)}>
                  {o.label}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <div ref={host} className="h-[36rem] overflow-hidden rounded-lg border border-zinc-200 dark:border-zinc-800" data-testid="config-editor" />
      </div>
      <section aria-labelledby="problems-title" aria-live="polite">
        <h3 id="problems-title" className="text-sm font-semibold">
          Problems ({errors.length})
        </h3>
        {errors.length === 0 ? (
          <p className="muted text-sm">The configuration is valid.</p>
        ) : (
          <ul className="mt-1 space-y-1 text-sm" data-testid="problems">
            {errors.map((e, i) => (
              <li key={i}>
                <button className="text-left text-red-700 hover:underline dark:text-red-300" onClick={() => jump(e.from)}>
                  Line {lineOf(current, e.from)}: {e.message}
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <ErrorNote error={save.error} title="The server refused the configuration" />
      <Dialog open={diffOpen} title="Review changes before saving" onClose={() => setDiffOpen(false)} wide>
        <DiffView before={saved ?? ''} after={current} />
        <div className="mt-3">
          <ErrorNote error={save.error} />
        </div>
        <div className="mt-4 flex justify-end gap-2">
          <button className="btn" onClick={() => setDiffOpen(false)}>
            Cancel
          </button>
          <button className="btn btn-primary" onClick={() => save.mutate()} disabled={save.isPending || errors.length > 0}>
            Save
          </button>
        </div>
      </Dialog>
      <Dialog open={blocker.state === 'blocked'} title="Leave without saving?" onClose={() => blocker.reset?.()}>
        <p className="text-sm">Your changes to llamafarm.yaml are not saved and will be lost.</p>
        <div className="mt-4 flex justify-end gap-2">
          <button className="btn" onClick={() => blocker.reset?.()} autoFocus>
            Stay
          </button>
          <button className="btn btn-danger" onClick={() => blocker.proceed?.()}>
            Leave
          </button>
        </div>
      </Dialog>
    </div>
  );
}

function lineOf(text: string, pos: number): number {
  let n = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

function DiffView({ before, after }: { before: string; after: string }) {
  const lines = useMemo(() => diffLines(before, after), [before, after]);
  const changed = lines.filter((l) => l.kind !== ' ').length;
  // Show changed lines with three lines of context around them.
  const keep = new Set<number>();
  lines.forEach((l, i) => {
    if (l.kind !== ' ') for (let k = Math.max(0, i - 3); k <= Math.min(lines.length - 1, i + 3); k++) keep.add(k);
  });
  return (
    <div>
      <p className="muted mb-2 text-sm">{changed} changed line(s)</p>
      <pre className="max-h-[50vh] overflow-auto rounded-md border border-zinc-200 p-2 text-xs dark:border-zinc-700" aria-label="Changes" data-testid="diff">
        {lines.map((l, i) =>
          keep.has(i) ? (
            <div key={i} className={l.kind === '+' ? 'bg-emerald-100 text-emerald-950 dark:bg-emerald-950 dark:text-emerald-100' : l.kind === '-' ? 'bg-red-100 text-red-950 dark:bg-red-950 dark:text-red-100' : ''}>
              {l.kind} {l.text}
            </div>
          ) : keep.has(i - 1) ? (
            <div key={i} className="muted">
              …
            </div>
          ) : null,
        )}
      </pre>
    </div>
  );
}
