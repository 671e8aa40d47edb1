import { blobDocumentsFeature } from './blobDocuments';
import { authoringFeature } from './authoring';
import { codeActionsFeature } from './codeActions';
import { completionFeature } from './completion';
import { crossDocumentFeature } from './crossDocument';
import type { Feature } from './feature';
import { codeLensFeature } from './codeLens';
import { documentSymbolsFeature } from './documentSymbols';
import { layoutDiagnosticsFeature } from './layoutDiagnostics';
import { layoutGraphFeature } from './layoutGraph';
import { navigationFeature } from './navigation';
import { hoverFeature } from './hover';
import { pushFeature } from './push';
import { verifyFeature } from './verify';
import { registriesFeature } from './registries';

/** THE table of LSP features beyond diagnostics. Each lives in its own file in this folder. */
export const FEATURES: readonly Feature[] = [
  hoverFeature,
  completionFeature,
  codeActionsFeature,
  documentSymbolsFeature,
  navigationFeature,
  codeLensFeature,
  layoutGraphFeature,
  layoutDiagnosticsFeature,
  verifyFeature,
  blobDocumentsFeature,
  crossDocumentFeature,
  authoringFeature,
  registriesFeature,
  pushFeature,
];
