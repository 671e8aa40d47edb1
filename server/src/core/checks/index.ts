import type { Check } from '../check';
import { annotationsCheck } from './annotations';
import { artifactCheck } from './artifact';
import { configCheck } from './config';
import { crossDocumentCheck } from './crossDocument';
import { dataCheck } from './data';
import { digestCheck } from './digest';
import { dockerCheck } from './docker';
import { jsonCheck } from './json';
import { layerCheck } from './layer';
import { layoutCheck } from './layout';
import { mediaTypeCheck } from './mediatype';
import { platformCheck } from './platform';
import { schemaCheck } from './schema';
import { sizeCheck } from './size';
import { structureCheck } from './structure';
import { urlsCheck } from './urls';

/** THE table of check modules. Each declares its rules; the rule table is built from this list. */
export const CHECKS: readonly Check[] = [
  jsonCheck,
  structureCheck,
  schemaCheck,
  digestCheck,
  mediaTypeCheck,
  sizeCheck,
  urlsCheck,
  dataCheck,
  platformCheck,
  annotationsCheck,
  artifactCheck,
  configCheck,
  layoutCheck,
  dockerCheck,
  crossDocumentCheck,
  layerCheck,
];
