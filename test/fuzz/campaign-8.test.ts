/** Slice 8 of the fuzz campaign (see `_support/campaign.ts`; `npm run fuzz -- --help` for long campaigns). */
import { defineCampaignSlice } from './_support/campaign.js';

defineCampaignSlice(8, 'test/fuzz/campaign-8.test.ts');
