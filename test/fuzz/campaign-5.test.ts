/** Slice 5 of the fuzz campaign (see `_support/campaign.ts`; `npm run fuzz -- --help` for long campaigns). */
import { defineCampaignSlice } from './_support/campaign.js';

defineCampaignSlice(5, 'test/fuzz/campaign-5.test.ts');
